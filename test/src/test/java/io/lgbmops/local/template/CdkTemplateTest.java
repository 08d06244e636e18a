package io.lgbmops.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.expressions.Parameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A small cdk.out with the shapes the project's synth produces: cross-stack exports, a definition
 * body built with Fn::Join, a Lambda alias, a jar asset and a BucketDeployment of static files.
 */
class CdkTemplateTest {

    private static final String STORAGE = """
            {"Resources": {
               "WriteBucket28AA4405": {"Type": "AWS::S3::Bucket"},
               "DataKeyFBCFFD0E": {"Type": "AWS::KMS::Key"}},
             "Outputs": {
               "ExportsOutputRefWriteBucket": {"Value": {"Ref": "WriteBucket28AA4405"},
                                               "Export": {"Name": "App-dev-Storage:WriteBucket"}},
               "ExportsOutputDataKeyArn": {"Value": {"Fn::GetAtt": ["DataKeyFBCFFD0E", "Arn"]},
                                           "Export": {"Name": "App-dev-Storage:DataKeyArn"}}}}""";

    private static final String DEPLOY = """
            {"Resources": {
               "DeployFunction787AD8CC": {"Type": "AWS::Lambda::Function", "Properties": {
                 "Code": {"S3Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "abc123.jar"},
                 "Handler": "io.lgbmops.deploy.DeployHandler::handleRequest",
                 "Environment": {"Variables": {
                   "KMS_KEY_ID": {"Fn::ImportValue": "App-dev-Storage:DataKeyArn"},
                   "MIN_F1_THRESHOLD": "0.5",
                   "FIRST_ZONE": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}}}}},
               "Live848578DF": {"Type": "AWS::Lambda::Alias", "Properties": {
                 "FunctionName": {"Ref": "DeployFunction787AD8CC"}, "FunctionVersion": "1", "Name": "live"}}},
             "Outputs": {
               "ExportsOutputRefLive": {"Value": {"Ref": "Live848578DF"}, "Export": {"Name": "App-dev-Deploy:Live"}}}}""";

    private static final String PIPELINE = """
            {"Mappings": {"Registries": {"us-east-1": {"account": "205585389593"}}},
             "Resources": {
               "Settings": {"Type": "Custom::CDKBucketDeployment", "Properties": {
                 "SourceObjectKeys": ["hash1.zip"],
                 "DestinationBucketName": {"Fn::ImportValue": "App-dev-Storage:WriteBucket"},
                 "DestinationBucketKeyPrefix": "pipeline-settings/"}},
               "Pipeline": {"Type": "AWS::SageMaker::Pipeline", "Properties": {
                 "PipelineName": "app-dev-pipeline",
                 "PipelineDefinition": {"PipelineDefinitionBody": {"Fn::Join": ["", [
                   "{\\"Version\\":\\"2020-12-01\\",\\"Parameters\\":[{\\"Name\\":\\"InputDataUri\\",\\"Type\\":\\"String\\",\\"DefaultValue\\":\\"s3://",
                   {"Fn::ImportValue": "App-dev-Storage:WriteBucket"},
                   "/raw/adult.data\\"}],\\"Steps\\":[{\\"Name\\":\\"Deploy\\",\\"Type\\":\\"Lambda\\",\\"FunctionArn\\":\\"",
                   {"Fn::ImportValue": "App-dev-Deploy:Live"},
                   "\\",\\"Arguments\\":{\\"image\\":\\"",
                   {"Fn::FindInMap": ["Registries", {"Ref": "AWS::Region"}, "account"]},
                   ".dkr.ecr.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"},
                   "/clarify:1.0\\"}}]}"]]}}}}}}""";

    @TempDir
    Path cdkOut;

    @BeforeEach
    void writeCloudAssembly() throws IOException {
        Files.writeString(cdkOut.resolve("App-dev-Storage.template.json"), STORAGE);
        Files.writeString(cdkOut.resolve("App-dev-Deploy.template.json"), DEPLOY);
        Files.writeString(cdkOut.resolve("App-dev-Pipeline.template.json"), PIPELINE);
        Files.createDirectories(cdkOut.resolve("asset.hash1/clarify"));
        Files.writeString(cdkOut.resolve("asset.hash1/clarify/analysis_config.json"), "{\"version\": \"1.0\"}");
        Files.writeString(cdkOut.resolve("asset.abc123.jar"), "not really a jar");
    }

    @Test
    void load_whenBodyJoinsImports_resolvesThemToLocalNames() {
        DefinitionSource source = CdkTemplate.load(cdkOut, Optional.empty());
        JsonNode definition = source.definition();

        assertEquals("s3://app-dev-storage-writebucket28aa4405/raw/adult.data",
                definition.at("/Parameters/0/DefaultValue").asText());
        assertEquals("arn:aws:lambda:us-east-1:123456789012:function:App-dev-Deploy-DeployFunction787AD8CC:live",
                definition.at("/Steps/0/FunctionArn").asText());
        assertEquals("205585389593.dkr.ecr.us-east-1.amazonaws.com/clarify:1.0",
                definition.at("/Steps/0/Arguments/image").asText());
        assertEquals(Optional.of("app-dev-pipeline"), source.pipelineName());
    }

    @Test
    void load_whenFunctionHasAlias_givesTheAliasItsEnvironmentAndJar() {
        DefinitionSource source = CdkTemplate.load(cdkOut, Optional.empty());
        String alias = source.definition().at("/Steps/0/FunctionArn").asText();

        var environment = source.lambdaEnvironment().get(alias);
        assertTrue(environment.get("KMS_KEY_ID").startsWith("arn:aws:kms:us-east-1:123456789012:key/"), environment.toString());
        assertEquals("0.5", environment.get("MIN_F1_THRESHOLD"));
        assertEquals("b", environment.get("FIRST_ZONE"));
        assertEquals(cdkOut.resolve("asset.abc123.jar"), source.lambdaCode().get(alias));
    }

    @Test
    void load_whenBucketDeploymentStagesFiles_mapsThemToTheirDestination() {
        DefinitionSource source = CdkTemplate.load(cdkOut, Optional.empty());

        assertEquals("{\"version\": \"1.0\"}", source.staticFiles().get(
                "s3://app-dev-storage-writebucket28aa4405/pipeline-settings/clarify/analysis_config.json"));
    }

    /** Another stage's pipeline, the stage's monitoring pipeline, its batch pipeline. */
    @ParameterizedTest
    @CsvSource({"App-prod-Pipeline, app-prod-pipeline", "App-dev-Monitor, app-dev-monitor", "App-dev-Batch, app-dev-batch"})
    void load_whenAnotherPipelineStackIsThere_picksTheDevTrainingPipelineUnlessThatStackIsNamed(String stack, String pipeline)
            throws IOException {
        Files.writeString(cdkOut.resolve(stack + ".template.json"), PIPELINE.replace("app-dev-pipeline", pipeline));

        assertEquals(Optional.of("app-dev-pipeline"), CdkTemplate.load(cdkOut, Optional.empty()).pipelineName());
        assertEquals(Optional.of(pipeline), CdkTemplate.load(cdkOut, Optional.of(stack)).pipelineName());
    }

    @ParameterizedTest
    @CsvSource({"monitor, App-dev-Monitor, app-dev-monitor", "batch, App-dev-Batch, app-dev-batch"})
    void load_forAnotherKindOfPipeline_picksTheStagesStackOfThatKind(String kind, String stack, String pipeline)
            throws IOException {
        Files.writeString(cdkOut.resolve("App-dev-Monitor.template.json"),
                PIPELINE.replace("app-dev-pipeline", "app-dev-monitor"));
        Files.writeString(cdkOut.resolve("App-dev-Batch.template.json"),
                PIPELINE.replace("app-dev-pipeline", "app-dev-batch"));

        assertEquals(Optional.of(pipeline), CdkTemplate.load(cdkOut, Optional.empty(), kind).pipelineName());
        assertEquals(Optional.of("app-dev-pipeline"), CdkTemplate.load(cdkOut, Optional.empty()).pipelineName());
    }

    @Test
    void load_failsWhenAnExportIsMissing_namingIt() throws IOException {
        Files.delete(cdkOut.resolve("App-dev-Deploy.template.json"));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> CdkTemplate.load(cdkOut, Optional.empty()));

        assertTrue(error.getMessage().contains("App-dev-Deploy:Live"), error.getMessage());
    }

    @Test
    void hasPipeline_whenNoTemplateHasOne_isFalse() throws IOException {
        Files.delete(cdkOut.resolve("App-dev-Pipeline.template.json"));

        assertEquals(false, CdkTemplate.hasPipeline(cdkOut));
    }
}
