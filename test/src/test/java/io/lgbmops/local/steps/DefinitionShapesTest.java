package io.lgbmops.local.steps;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.RunnerOptions;
import io.lgbmops.local.execution.PipelineDefinition;
import io.lgbmops.local.expressions.ExecutionVariables;
import io.lgbmops.local.expressions.ExpressionResolver;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.Parameters;
import io.lgbmops.local.jobs.CsvJsonPath;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.StepGraph;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The project's own definition, as pipeline-spec builds it, meets what the runner expects of it. */
class DefinitionShapesTest {

    private static PipelineDefinition definition;

    @BeforeAll
    static void build() {
        definition = PipelineDefinition.parse(Json.read(LightGbmPipeline.build(PipelineSettings.placeholders()).toJson()));
    }

    @Test
    void executionOrder_putsBranchStepsAfterTheirConditionAndRegisterAfterTheBiasGate() {
        List<String> order = definition.executionOrder().stream().map(StepGraph.Node::name).toList();

        assertEquals(List.of("Preprocess", "Tune", "Evaluate", "CheckF1", "ResolveBaseline", "Explain", "CheckBias", "Register", "Deploy",
                "BiasAboveLimit", "F1BelowThreshold"), order);
        assertEquals(new StepGraph.Branch("CheckF1", false), definition.step("F1BelowThreshold").branch().orElseThrow());
        assertEquals(new StepGraph.Branch("CheckBias", false), definition.step("BiasAboveLimit").branch().orElseThrow());
        assertEquals(new StepGraph.Branch("CheckBias", true), definition.step("Register").branch().orElseThrow());
    }

    @Test
    void sdkShapes_whenEveryStepArgumentsAreFilledIn_readAsTheirApiRequests() {
        Map<String, JsonNode> parameters = Parameters.resolve(definition, Map.of());
        ExpressionResolver resolver = new ExpressionResolver(new FixedScope(parameters));
        for (StepGraph.Node step : definition.executionOrder()) {
            JsonNode arguments = resolver.resolve(stubStepReferences(step.arguments()));
            switch (step.type()) {
                case "Processing", "ClarifyCheck" -> assertDoesNotThrow(() -> SdkShapes.processingJob(arguments), step.name());
                case "Tuning" -> assertDoesNotThrow(() -> SdkShapes.tuningJob(arguments), step.name());
                case "Model" -> assertDoesNotThrow(() -> SdkShapes.model(arguments), step.name());
                case "RegisterModel" -> assertDoesNotThrow(() -> SdkShapes.modelPackage(arguments), step.name());
                default -> { }
            }
        }
    }

    @Test
    void sdkShapes_batchPipeline_everyStepReadsAsItsApiRequest() {
        io.lgbmops.pipeline.dataset.DatasetContract churn = io.lgbmops.pipeline.dataset.DatasetContract.read(
                RunnerOptions.findRepoRoot().resolve("datasets/churn.json"), "churn.json");
        PipelineDefinition batch = PipelineDefinition.parse(Json.read(new io.lgbmops.pipeline.BatchPipeline(
                PipelineSettings.placeholders(), churn, "s3://lgbmops-read-111122223333/batch/churn/").definition().toJson()));
        ExpressionResolver resolver = new ExpressionResolver(new FixedScope(Parameters.resolve(batch, Map.of())));
        JsonNode transform = resolver.resolve(stubStepReferences(batch.step("Score").arguments()));

        var request = assertDoesNotThrow(() -> SdkShapes.transformJob(transform));
        assertEquals("Line", request.transformInput().splitTypeAsString());
        assertEquals(6, request.maxPayloadInMB());
        assertEquals("$[1:20]", request.dataProcessing().inputFilter());
        assertDoesNotThrow(() -> CsvJsonPath.parse(request.dataProcessing().outputFilter()));
        assertDoesNotThrow(() -> SdkShapes.processingJob(resolver.resolve(stubStepReferences(batch.step("Select").arguments()))));
        assertDoesNotThrow(() -> SdkShapes.model(resolver.resolve(stubStepReferences(batch.step("ScoringModel").arguments()))));
    }

    @Test
    void sdkShapes_failsOnAMemberTheApiDoesNotHave_namingWhere() {
        ObjectNode arguments = (ObjectNode) definition.step("Register").arguments().deepCopy();
        ((ObjectNode) arguments.get("InferenceSpecification")).put("SupportedContentType", "text/csv");

        Map<String, JsonNode> parameters = Parameters.resolve(definition, Map.of());
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SdkShapes.modelPackage(new ExpressionResolver(new FixedScope(parameters))
                        .resolve(stubStepReferences(arguments))));

        assertTrue(error.getMessage().contains("CreateModelPackage") && error.getMessage().contains("SupportedContentType"),
                error.getMessage());
    }

    @Test
    void clarify_acceptsMulticlassConfigsOfTheShapePreprocessWrites() {
        JsonNode bias = Json.read("""
                {"version": "1.0", "dataset_type": "text/csv", "headers": ["species", "island", "bill_length_mm"],
                 "label": "species", "label_values_or_threshold": ["Gentoo"],
                 "facet": [{"name_or_index": "island", "value_or_threshold": ["Dream"]}],
                 "methods": {"post_training_bias": {"methods": ["DPPL"]}, "report": {"name": "report"}},
                 "predictor": {"content_type": "text/csv", "accept_type": "text/csv",
                               "label_headers": ["Adelie", "Chinstrap", "Gentoo"]}}""");
        JsonNode shap = Json.read("""
                {"headers": ["species", "island", "bill_length_mm"], "label": "species",
                 "methods": {"shap": {"baseline": [["Biscoe", 44.5]], "num_samples": 10, "agg_method": "mean_abs"}},
                 "predictor": {"label_headers": ["Adelie", "Chinstrap", "Gentoo"]}}""");

        assertDoesNotThrow(() -> ClarifyCheckStepExecutor.checkSupported("MODEL_BIAS", bias));
        assertDoesNotThrow(() -> ClarifyCheckStepExecutor.checkSupported("MODEL_EXPLAINABILITY", shap));
    }

    @Test
    void clarify_refusesWhatHasNoLocalImplementation_listingIt() {
        JsonNode config = Json.read("""
                {"methods": {"post_training_bias": {"methods": ["DPPL", "TE"]}, "pdp": {"grid_resolution": 10}}}""");

        ClarifyCheckStepExecutor.NoLocalImplementation error = assertThrows(ClarifyCheckStepExecutor.NoLocalImplementation.class,
                () -> ClarifyCheckStepExecutor.checkSupported("MODEL_BIAS", config));

        assertEquals("no local implementation of post-training bias metric TE, analysis method pdp", error.getMessage());
    }

    @Test
    void deployFunctionEnvironment_whenPlainDefinition_derivesWhatTheStackWires() {
        Map<String, String> environment = DeployFunctionEnvironment.derive(definition,
                Parameters.resolve(definition, Map.of("F1Threshold", "0.5")));

        assertEquals("lgbmops-models", environment.get("MODEL_PACKAGE_GROUP_NAME"));
        assertEquals("lgbmops-endpoint", environment.get("ENDPOINT_NAME"));
        // The pipeline creates no model, so a plain definition names no model role: the jobs' role stands in.
        assertEquals("arn:aws:iam::111122223333:role/lgbmops-job", environment.get("EXECUTION_ROLE_ARN"));
        assertTrue(environment.get("KMS_KEY_ID").startsWith("arn:aws:kms:"), environment.toString());
        // The execution's threshold reaches the function through the Deploy step and the package, as
        // in AWS; the run never rewrites the function's gate.
        assertFalse(environment.containsKey("F1_THRESHOLD"), environment.toString());
        assertFalse(environment.containsKey("MIN_F1_THRESHOLD"), environment.toString());
    }

    @Test
    void parameters_whenOverridden_takeTheDeclaredType() {
        Map<String, JsonNode> values = Parameters.resolve(definition,
                Map.of("MaxTuningJobs", "2", "F1Threshold", "0.5", "MaxAbsDPPL", "0.25"));

        assertTrue(values.get("MaxTuningJobs").isInt());
        assertEquals(0.5, values.get("F1Threshold").doubleValue());
        assertEquals(0.25, values.get("MaxAbsDPPL").doubleValue());
        assertEquals(0.8, values.get("MinDisparateImpact").doubleValue());
        assertEquals("PendingManualApproval", values.get("ModelApprovalStatus").asText());
    }

    @Test
    void parameters_failWhenUndeclaredOrMistyped() {
        RunnerOptions.UsageException unknown = assertThrows(RunnerOptions.UsageException.class,
                () -> Parameters.resolve(definition, Map.of("F1Treshold", "0.5")));
        RunnerOptions.UsageException mistyped = assertThrows(RunnerOptions.UsageException.class,
                () -> Parameters.resolve(definition, Map.of("MaxTuningJobs", "two")));

        assertTrue(unknown.getMessage().contains("F1Treshold") && unknown.getMessage().contains("F1Threshold"), unknown.getMessage());
        assertTrue(mistyped.getMessage().contains("MaxTuningJobs is a Integer, got 'two'"), mistyped.getMessage());
    }

    /** Steps' outputs are not known here: give each Get a plausible value. */
    private record FixedScope(Map<String, JsonNode> parameters) implements ExpressionResolver.Scope {
        @Override
        public JsonNode parameter(String name) {
            return parameters.get(name);
        }

        @Override
        public JsonNode executionVariable(String name) {
            return ExecutionVariables.start("test").get(name);
        }

        @Override
        public JsonNode stepProperties(String stepName) {
            return Json.object();
        }

        @Override
        public JsonNode propertyFile(String stepName, String propertyFileName) {
            return Json.read("""
                    {"classification_metrics": {"f1": {"value": 0.7}},
                     "gate": {"worst_di": 0.9, "worst_di_facet": "sex=Female",
                              "worst_abs_dppl": 0.05, "worst_abs_dppl_facet": "sex=Female"}}""");
        }

        @Override
        public JsonNode jsonAt(String s3Uri) {
            return Json.object();
        }
    }

    /** Every step property read replaced by a plausible value: no step has run here. */
    private static JsonNode stubStepReferences(JsonNode node) {
        if (node.isObject() && node.size() == 1 && node.path("Get").asText().startsWith("Steps.")
                && !node.path("Get").asText().contains(".PropertyFiles.")) {
            return Json.nodes().textNode("s3://bucket/value");
        }
        if (node.isObject()) {
            ObjectNode copy = Json.object();
            node.properties().forEach(f -> copy.set(f.getKey(), stubStepReferences(f.getValue())));
            return copy;
        }
        if (node.isArray()) {
            var copy = Json.array();
            node.forEach(e -> copy.add(stubStepReferences(e)));
            return copy;
        }
        return node;
    }
}
