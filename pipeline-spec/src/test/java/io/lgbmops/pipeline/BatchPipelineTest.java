package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.pipeline.dataset.DatasetContract;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchPipelineTest {

    private static JsonNode definition;

    static DatasetContract contract(String name) {
        return DatasetContract.read(Definitions.datasetsDirectory().resolve(name + ".json"), name + ".json");
    }

    static PipelineDefinition placeholder() {
        return BatchDefinitions.placeholder();
    }

    @BeforeAll
    static void build() {
        definition = placeholder().toJsonNode();
    }

    @Test
    void definition_passesValidatorAndSchema() {
        assertEquals(List.of(), PipelineValidator.problems(placeholder()));
        assertEquals(List.of(), PipelineSchemaTest.errors(definition));
    }

    @Test
    void steps_resolveModelTransformSelect_inThatOrder() {
        List<String> names = new java.util.ArrayList<>();
        definition.path("Steps").forEach(step -> names.add(step.path("Name").asText() + ":" + step.path("Type").asText()));
        assertEquals(List.of("ResolvePackage:Lambda", "ScoringModel:Model", "Score:Transform", "Select:Processing"), names);
    }

    @Test
    void resolvePackage_requiredWithTheParameterArn() {
        JsonNode arguments = Definitions.step(definition, "ResolvePackage").path("Arguments");
        assertEquals("resolve-package", arguments.path("operation").asText());
        assertEquals("true", arguments.path("required").asText());
        assertEquals("lgbmops-models", arguments.path("model_package_group").asText());
        assertEquals("Parameters.ModelPackageArn", arguments.path("model_package_arn").path("Get").asText());
    }

    @Test
    void model_isTheResolvedPackagesImageAndArtefact() {
        JsonNode container = Definitions.step(definition, "ScoringModel").path("Arguments").path("PrimaryContainer");
        assertEquals("Steps.ResolvePackage.OutputParameters['ImageUri']", container.path("Image").path("Get").asText());
        assertEquals("Steps.ResolvePackage.OutputParameters['ModelDataUrl']",
                container.path("ModelDataUrl").path("Get").asText());
    }

    @Test
    void transform_linesInMultiRecordBatches_withinTheServersPayload_encrypted() {
        JsonNode arguments = Definitions.step(definition, "Score").path("Arguments");
        assertEquals("Line", arguments.path("TransformInput").path("SplitType").asText());
        assertEquals("MultiRecord", arguments.path("BatchStrategy").asText());
        assertEquals(6, arguments.path("MaxPayloadInMB").asInt());
        assertEquals("Parameters.MaxConcurrentTransforms", arguments.path("MaxConcurrentTransforms").path("Get").asText());
        assertEquals("inline", arguments.path("Environment").path("LGBMOPS_ROW_ERRORS").asText());
        String key = PipelineSettings.placeholders().kmsKeyId();
        assertEquals(key, arguments.path("TransformOutput").path("KmsKeyId").asText());
        assertEquals(key, arguments.path("TransformResources").path("VolumeKmsKeyId").asText());
        assertEquals("Line", arguments.path("TransformOutput").path("AssembleWith").asText());
    }

    @Test
    void filters_forChurn_dropTheIdAndKeepItWithTheScores() {
        DatasetContract churn = contract("churn");
        // customer_id, 19 features; the label is not in a record to score.
        assertEquals("$[1:20]", BatchPipeline.inputFilter(churn));
        assertEquals("$[0,20:]", BatchPipeline.outputFilter(churn));
        JsonNode processing = Definitions.step(definition, "Score").path("Arguments").path("DataProcessing");
        assertEquals("Input", processing.path("JoinSource").asText());
        assertEquals("$[1:20]", processing.path("InputFilter").asText());
        assertEquals("$[0,20:]", processing.path("OutputFilter").asText());
    }

    @Test
    void filters_forPenguins_dropTheIgnoredColumn_forCensus_keepOnlyScores() {
        // island, four numbers, sex, year (ignore): species is the label.
        assertEquals("$[0:6]", BatchPipeline.inputFilter(contract("penguins")));
        assertEquals("$[7:]", BatchPipeline.outputFilter(contract("penguins")));
        DatasetContract census = contract("census");
        assertEquals("$[" + BatchPipeline.inputColumns(census).size() + ":]", BatchPipeline.outputFilter(census));
    }

    @Test
    void select_readsTheTransformOutputAndTheContract_withTheRuleParameters() {
        JsonNode arguments = Definitions.step(definition, "Select").path("Arguments");
        assertEquals("select", arguments.path("AppSpecification").path("ContainerEntrypoint").get(0).asText());
        assertEquals("Steps.Score.TransformOutput.S3OutputPath",
                arguments.path("ProcessingInputs").get(0).path("S3Input").path("S3Uri").path("Get").asText());
        String args = arguments.path("AppSpecification").path("ContainerArguments").toString();
        for (String parameter : List.of("TopK", "MinScore", "MaxBadRowFraction")) {
            assertTrue(args.contains("Parameters." + parameter), args);
        }
    }

    @Test
    void failsConstruction_whenDefaultInputIsNotS3() {
        assertThrows(IllegalArgumentException.class, () -> new BatchPipeline(PipelineSettings.placeholders(),
                contract("churn"), "/tmp/batch"));
    }
}
