package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.pipeline.ExecutionRolePermissions.Duty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The clarify mode: SageMaker Clarify's checks in place of Explain and CheckBias. */
class ClarifyModeTest {

    private static final boolean UPDATE = Boolean.getBoolean("snapshot.update");

    static PipelineSettings clarifySettings() {
        return PipelineSettings.placeholders().toBuilder()
                .explainability(Explainability.CLARIFY)
                .clarifyImageUri(ClarifyImage.uriFor("us-east-1"))
                .build();
    }

    private final PipelineDefinition definition = LightGbmPipeline.build(clarifySettings());
    private final JsonNode json = definition.toJsonNode();

    @Test
    void snapshot_whenGeneratedFromPlaceholders_equalsTheReviewedFile() throws IOException {
        Path snapshot = Definitions.moduleDirectory()
                .resolve("src/test/resources/snapshot/clarify-pipeline-definition.json");
        String generated = definition.toJson();
        if (UPDATE) {
            Files.writeString(snapshot, generated, StandardCharsets.UTF_8);
        }
        if (!Files.exists(snapshot) || !Files.readString(snapshot, StandardCharsets.UTF_8).equals(generated)) {
            fail(snapshot + " differs from the generated content; if intended, run"
                    + " mvn -pl pipeline-spec test -Dsnapshot.update=true and review the diff");
        }
    }

    @Test
    void problems_whenClarifyMode_isEmpty() {
        assertEquals(List.of(), PipelineValidator.problems(definition));
    }

    @Test
    void schema_whenClarifyMode_accepts() {
        assertEquals(List.of(), PipelineSchemaTest.errors(json));
    }

    @Test
    void stepNames_whenClarifyMode_areTheClarifySteps() {
        assertEquals(LightGbmPipeline.CLARIFY_PIPELINE_STEP_NAMES.stream().sorted().toList(), stepNames(json));
    }

    @Test
    void clarifyChecks_whenClarifyMode_runTheClarifyImageOnPreprocessDocumentsAndFailOnViolation() {
        for (String name : List.of(LightGbmPipeline.CLARIFY_BIAS, LightGbmPipeline.CLARIFY_EXPLAINABILITY)) {
            JsonNode step = Definitions.step(json, name);
            assertEquals("ClarifyCheck", step.path("Type").asText());
            assertEquals(ClarifyImage.uriFor("us-east-1"),
                    step.path("Arguments").path("AppSpecification").path("ImageUri").asText());
            assertTrue(step.path("FailOnViolation").asBoolean(), name);
            assertEquals("Steps.CreateModel.ModelName", step.path("ModelName").path("Get").asText());
            assertTrue(step.toString().contains("Steps.Preprocess.ProcessingOutputConfig.Outputs['clarify']"), name);
        }
    }

    @Test
    void register_whenClarifyMode_pointsModelMetricsAtClarifyReports() {
        JsonNode metrics = Definitions.step(json, LightGbmPipeline.REGISTER).path("Arguments").path("ModelMetrics");
        assertEquals("Steps.ClarifyBias.CalculatedBaselineConstraints",
                metrics.path("Bias").path("PostTrainingReport").path("S3Uri").path("Get").asText());
        assertEquals("Steps.ClarifyExplainability.CalculatedBaselineConstraints",
                metrics.path("Explainability").path("Report").path("S3Uri").path("Get").asText());
        JsonNode withoutBias = Definitions.step(json, LightGbmPipeline.REGISTER_WITHOUT_BIAS)
                .path("Arguments").path("ModelMetrics");
        assertTrue(withoutBias.path("Bias").isMissingNode());
    }

    @Test
    void preprocess_writesClarifyDocumentsOnlyInClarifyMode() {
        JsonNode clarify = Definitions.step(json, LightGbmPipeline.PREPROCESS).path("Arguments");
        JsonNode nativeMode = Definitions.step(Definitions.placeholderJson(), LightGbmPipeline.PREPROCESS)
                .path("Arguments");

        assertEquals(List.of("train", "validation", "test", "baseline", "clarify"),
                clarify.path("ProcessingOutputConfig").path("Outputs").findValuesAsText("OutputName"));
        assertTrue(clarify.path("AppSpecification").path("ContainerEntrypoint").toString()
                .contains("\"--clarify-instance-type\",\"ml.m5.large\""));
        assertEquals(List.of("train", "validation", "test", "baseline"),
                nativeMode.path("ProcessingOutputConfig").path("Outputs").findValuesAsText("OutputName"));
        assertFalse(nativeMode.path("AppSpecification").toString().contains("clarify"));
    }

    @Test
    void parameters_whenClarifyMode_holdTheDriftCheckSwitchesNotTheNativePolicy() {
        List<String> names = json.path("Parameters").findValuesAsText("Name");
        assertTrue(names.contains(LightGbmPipeline.SKIP_MODEL_BIAS_CHECK), names.toString());
        assertFalse(names.contains(LightGbmPipeline.MIN_DISPARATE_IMPACT), names.toString());
    }

    @Test
    void fails_whenClarifyModeHasNoClarifyImage_namesTheSetting() {
        var failure = assertThrows(IllegalArgumentException.class, () -> PipelineSettings.placeholders().toBuilder()
                .explainability(Explainability.CLARIFY).build());
        assertEquals("clarifyImageUri must be set, got null", failure.getMessage());
    }

    @Test
    void fromConfigName_whenUnknown_namesTheAllowedValues() {
        assertEquals(Explainability.CLARIFY, Explainability.fromConfigName("clarify"));
        var failure = assertThrows(IllegalArgumentException.class, () -> Explainability.fromConfigName("shap"));
        assertEquals("explainability must be one of native, clarify, got shap", failure.getMessage());
    }

    @Test
    void permissions_whenClarifyMode_addTheShadowEndpointAndModel() {
        List<String> nativeJob = actions(ExecutionRolePermissions.of(Duty.JOB, Explainability.NATIVE));
        List<String> clarifyJob = actions(ExecutionRolePermissions.of(Duty.JOB, Explainability.CLARIFY));
        List<String> clarifyPipeline = actions(ExecutionRolePermissions.of(Duty.PIPELINE, Explainability.CLARIFY));

        assertFalse(nativeJob.contains("sagemaker:InvokeEndpoint"));
        assertTrue(clarifyJob.contains("sagemaker:InvokeEndpoint"));
        assertTrue(clarifyPipeline.contains("sagemaker:CreateModel"));
        assertFalse(actions(ExecutionRolePermissions.of(Duty.PIPELINE)).contains("sagemaker:CreateModel"));
        assertEquals(List.of(), ExecutionRolePermissions.of(Duty.MODEL, Explainability.NATIVE));
        assertTrue(actions(ExecutionRolePermissions.of(Duty.MODEL, Explainability.CLARIFY)).contains("logs:PutLogEvents"));
    }

    private static List<String> actions(List<ExecutionRolePermissions.Statement> statements) {
        return statements.stream().flatMap(s -> s.actions().stream()).toList();
    }

    private static List<String> stepNames(JsonNode definition) {
        var names = new ArrayList<String>();
        collect(definition.path("Steps"), names);
        return names.stream().sorted().toList();
    }

    private static void collect(JsonNode steps, List<String> names) {
        for (JsonNode step : steps) {
            names.add(step.path("Name").asText());
            collect(step.path("Arguments").path("IfSteps"), names);
            collect(step.path("Arguments").path("ElseSteps"), names);
        }
    }
}
