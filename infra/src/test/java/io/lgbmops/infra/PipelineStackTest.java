package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineValidator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class PipelineStackTest {
    private static StageFixture fixture;
    private static Template template;
    private static Map<String, Object> pipeline;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void synthesizeDevPipeline() {
        fixture = new StageFixture();
        template = Template.fromStack(fixture.dev.pipeline);
        pipeline = (Map<String, Object>) template.findResources("AWS::SageMaker::Pipeline", Map.of())
                .values().iterator().next().get("Properties");
    }

    @Test
    void pipeline_isNamedPerStageAndRunsAsTheExecutionRole() {
        assertEquals("lgbmops-dev-pipeline", pipeline.get("PipelineName"));
        assertTrue(pipeline.get("RoleArn").toString().contains("PipelineRole"), pipeline.get("RoleArn").toString());
    }

    @Test
    void definition_isTheValidatedLightGbmPipelineWithTheStageThreshold() throws Exception {
        JsonNode definition = new ObjectMapper().readTree(fixture.dev.pipeline.definition().toCompactJson());

        assertEquals(List.of(), PipelineValidator.problems(definition));
        assertEquals(0.9, findParameter(definition, LightGbmPipeline.F1_THRESHOLD).path("DefaultValue").asDouble());
        assertEquals(20, findParameter(definition, LightGbmPipeline.MAX_TUNING_JOBS).path("DefaultValue").asInt());
    }

    @Test
    void definitionBody_referencesTheBuiltImageAndTheDeployAlias() {
        String body = pipeline.get("PipelineDefinition").toString();

        assertTrue(body.contains("ImageUri"), "image from the image stack's build: " + body.substring(0, 300));
        assertTrue(body.contains("DeployFunctionLive") || body.contains("Live"), "deploy Lambda alias");
        assertTrue(body.contains("lgbmops-dev-write-"), "write bucket");
        assertFalse(body.contains("${Token["), "an unresolved token leaked into the definition");
    }

    @Test
    void pipelineRole_mayInvokeOnlyTheDeployFunctionAndPassTheJobAndModelRolesToSageMaker() {
        Map<String, Object> passedToSageMaker = Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com"));
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                Match.objectLike(Map.of("Sid", "InvokeDeployFunction", "Action", "lambda:InvokeFunction")),
                Match.objectLike(Map.of("Sid", "PassJobRole", "Action", "iam:PassRole", "Condition", passedToSageMaker,
                        "Resource", Map.of("Fn::ImportValue", Match.stringLikeRegexp("JobRole"))))))),
                "Roles", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp("PipelineRole")))));
    }

    @Test
    void pipelineRole_createsPackagesOnlyInThisStagesGroupAndNoModel() {
        String policies = template.findResources("AWS::IAM::Policy", Map.of()).toString();

        assertTrue(policies.contains("model-package-group/lgbmops-dev-models"), policies);
        assertTrue(policies.contains("model-package/lgbmops-dev-models/*"), policies);
        assertFalse(policies.contains(":model/") || policies.contains("model-package-group/*"), policies);
        assertFalse(policies.contains("sagemaker:CreateModel,") || policies.contains("sagemaker:CreateModel]"), policies);
    }

    @Test
    void jobRole_getsNoSageMakerPermissionHere_noJobStartsAnEndpoint() {
        String policies = template.findResources("AWS::IAM::Policy", Map.of()).toString();

        assertFalse(policies.contains("JobPermissions"), policies);
        assertFalse(policies.contains("sm-clarify") || policies.contains("sagemaker:CreateEndpoint"), policies);
    }

    @Test
    void definition_runsJobsAsTheJobRole_andCreatesNoModel() {
        String body = pipeline.get("PipelineDefinition").toString();

        assertTrue(body.matches("(?s).*RoleArn[^}]*JobRole.*"), body.substring(0, 400));
        assertFalse(body.contains("ExecutionRoleArn"), "the pipeline creates no model");
        assertFalse(body.contains("PipelineRole"), "the pipeline role is never passed to a job");
    }

    @Test
    void clarifyConfigs_areUploadedWithTheKeyArnTheBucketPolicyRequires() {
        template.hasResourceProperties("Custom::CDKBucketDeployment", Map.of("SystemMetadata", Map.of(
                "sse", "aws:kms",
                "sse-kms-key-id", Map.of("Fn::ImportValue", Match.stringLikeRegexp("DataKey.*Arn")))));
    }

    @Test
    void datasetContract_isUploadedBeforeThePipelineExists() {
        template.resourceCountIs("Custom::CDKBucketDeployment", 1);
        template.hasResourceProperties("Custom::CDKBucketDeployment", Map.of(
                "DestinationBucketKeyPrefix", "pipeline-settings/",
                "Prune", true));
        template.hasResource("AWS::SageMaker::Pipeline", Map.of("DependsOn", Match.arrayWith(List.of(
                Match.stringLikeRegexp("PipelineSettingsCustomResource.*")))));
    }

    @Test
    void noApprovedPackageMarker_isUploadedWithTheContract_andIsWhatResolveBaselineNamesForAMissingReport() throws Exception {
        String upload = template.findResources("Custom::CDKBucketDeployment", Map.of()).toString();
        // The contract, this marker and (the stage monitors its endpoint) the capture manifest's no-captures marker.
        assertTrue(upload.matches("(?s).*SourceObjectKeys=\\[[^,\\]]+, [^,\\]]+, [^,\\]]+\\].*"), "the contract and the markers: " + upload);
        JsonNode definition = new ObjectMapper().readTree(fixture.dev.pipeline.definition().toCompactJson());
        JsonNode resolve = null;
        for (JsonNode step : definition.findParents("Name")) {
            if (LightGbmPipeline.RESOLVE_BASELINE.equals(step.path("Name").asText()) && step.has("FunctionArn")) {
                resolve = step;
            }
        }
        assertTrue(resolve != null, "no ResolveBaseline step");
        List<String> uri = new java.util.ArrayList<>();
        resolve.path("Arguments").path("missing_report_uri").path("Std:Join").path("Values").forEach(v -> uri.add(v.asText()));
        assertEquals("s3:/", uri.get(0));
        assertTrue(uri.get(1).startsWith("lgbmops-dev-write-"), uri.toString());
        assertEquals(LightGbmPipeline.SETTINGS_PREFIX + "/" + LightGbmPipeline.NO_APPROVED_PACKAGE_MARKER, uri.get(2));
        for (JsonNode lambda : definition.findParents("FunctionArn")) {
            assertEquals(resolve.path("FunctionArn"), lambda.path("FunctionArn"), "one deploy function for both Lambda steps");
        }
    }

    @Test
    void parameters_defaultToTheStageDatasetsContractAndRawPrefix() throws Exception {
        JsonNode definition = new ObjectMapper().readTree(fixture.dev.pipeline.definition().toCompactJson());
        String contractUri = findParameter(definition, LightGbmPipeline.DATASET_CONTRACT_URI).path("DefaultValue").asText();
        String dataUri = findParameter(definition, LightGbmPipeline.INPUT_DATA_URI).path("DefaultValue").asText();

        assertTrue(contractUri.matches("s3://lgbmops-dev-write-.*/pipeline-settings/datasets/census\\.json"), contractUri);
        assertTrue(dataUri.matches("s3://lgbmops-dev-read-.*/raw/census/"), dataUri);
        // The execution role's write-bucket grant covers the contract's key.
        assertTrue(contractUri.startsWith("s3://lgbmops-dev-write-"));
    }

    private static JsonNode findParameter(JsonNode definition, String name) {
        for (JsonNode parameter : definition.path("Parameters")) {
            if (parameter.path("Name").asText().equals(name)) {
                return parameter;
            }
        }
        throw new AssertionError("no parameter " + name);
    }
}
