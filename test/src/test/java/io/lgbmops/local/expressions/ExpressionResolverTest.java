package io.lgbmops.local.expressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ExpressionResolverTest {

    /** Real output of the SageMaker Python SDK; see pipeline-spec/src/test/resources/reference/.../SOURCE.txt. */
    private static JsonNode reference;

    private final Map<String, JsonNode> stepProperties = new HashMap<>();
    private final Map<String, JsonNode> propertyFiles = new HashMap<>();
    private final Map<String, JsonNode> s3Objects = new HashMap<>();
    private final Map<String, JsonNode> parameters = new HashMap<>();

    private final ExpressionResolver resolver = new ExpressionResolver(new ExpressionResolver.Scope() {
        @Override
        public JsonNode parameter(String name) {
            return parameters.get(name);
        }

        @Override
        public JsonNode executionVariable(String name) {
            return switch (name) {
                case "PipelineExecutionId" -> Json.nodes().textNode("abc123def456");
                case "PipelineName" -> Json.nodes().textNode("lgbmops-local");
                case "PipelineExecutionArn" -> Json.nodes().textNode(
                        "arn:aws:sagemaker:us-east-1:123456789012:pipeline/lgbmops-local/execution/abc123def456");
                default -> null;
            };
        }

        @Override
        public JsonNode stepProperties(String stepName) {
            JsonNode properties = stepProperties.get(stepName);
            if (properties == null) {
                throw new IllegalStateException("step " + stepName + " has not run");
            }
            return properties;
        }

        @Override
        public JsonNode propertyFile(String stepName, String propertyFileName) {
            return propertyFiles.get(stepName + "." + propertyFileName);
        }

        @Override
        public JsonNode jsonAt(String s3Uri) {
            return s3Objects.get(s3Uri);
        }
    });

    @BeforeAll
    static void readReference() {
        reference = Json.read(Path.of(System.getProperty("repo.root", "."))
                .resolve("pipeline-spec/src/test/resources/reference/pipeline-definition-examples/pipeline_definition.json"));
    }

    @Test
    void resolve_whenReferenceOutputUriIsStdJoin_joinsWithExecutionId() {
        JsonNode uri = step("calhousing-Preprocessing")
                .at("/Arguments/ProcessingOutputConfig/Outputs/0/S3Output/S3Uri");

        JsonNode resolved = resolver.resolve(uri);

        assertTrue(resolved.asText().startsWith("s3://"), resolved.asText());
        assertTrue(resolved.asText().endsWith("/abc123def456/calhousing-Preprocessing/output/train"), resolved.asText());
    }

    @Test
    void resolve_whenReferenceTrainingReadsProcessingOutputByName_returnsThatOutputsUri() {
        stepProperties.put("calhousing-Preprocessing", Json.read("""
                {"ProcessingOutputConfig": {"Outputs": [
                  {"OutputName": "other", "S3Output": {"S3Uri": "s3://b/other"}},
                  {"OutputName": "train", "S3Output": {"S3Uri": "s3://b/x/train"}}]}}"""));
        JsonNode channels = step("calhousing-Training").at("/Arguments/InputDataConfig");

        JsonNode resolved = resolver.resolve(channels);

        assertEquals("s3://b/x/train", resolved.at("/0/DataSource/S3DataSource/S3Uri").asText());
        assertEquals("FullyReplicated", resolved.at("/0/DataSource/S3DataSource/S3DataDistributionType").asText());
    }

    @Test
    void resolve_whenReferenceRegisterReadsModelArtifacts_fillsModelDataUrl() {
        stepProperties.put("falcon-text-summarization-tuning",
                Json.read("{\"ModelArtifacts\": {\"S3ModelArtifacts\": \"s3://b/job/output/model.tar.gz\"}}"));
        JsonNode register = step("falcon-text-summarization-register-RegisterModel").path("Arguments");

        JsonNode resolved = resolver.resolve(register);

        assertEquals("s3://b/job/output/model.tar.gz",
                resolved.at("/InferenceSpecification/Containers/0/ModelDataUrl").asText());
        assertEquals("PendingManualApproval", resolved.path("ModelApprovalStatus").asText());
    }

    @Test
    void resolve_whenReferenceReadsExecutionArn_fillsMetadata() {
        JsonNode metadata = step("falcon-text-summarization-register-RegisterModel").at("/Arguments/CustomerMetadataProperties");

        assertTrue(resolver.resolve(metadata).path("PIPELINE_ARN").asText().endsWith("/execution/abc123def456"));
    }

    @Test
    void resolve_failsWhenExecutionVariableIsUnknown_namingIt() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Json.read("{\"Get\": \"Execution.Bogus\"}")));

        assertTrue(error.getMessage().contains("Execution.Bogus"), error.getMessage());
    }

    @Test
    void resolve_whenParameterOfEachType_returnsTypedValue() {
        parameters.put("F1Threshold", Json.nodes().numberNode(0.5));
        parameters.put("MaxTuningJobs", Json.nodes().numberNode(2));
        parameters.put("SkipCheck", Json.nodes().booleanNode(true));

        JsonNode resolved = resolver.resolve(Json.read("""
                {"a": {"Get": "Parameters.F1Threshold"}, "b": [{"Get": "Parameters.MaxTuningJobs"}],
                 "c": {"Get": "Parameters.SkipCheck"}, "d": "plain"}"""));

        assertEquals(0.5, resolved.path("a").doubleValue());
        assertTrue(resolved.path("b").get(0).isInt());
        assertTrue(resolved.path("c").booleanValue());
        assertEquals("plain", resolved.path("d").asText());
    }

    @Test
    void resolve_whenJoinNestsJsonGetOfPropertyFile_rendersTheNumber() {
        propertyFiles.put("Evaluate.EvaluationReport",
                Json.read("{\"classification_metrics\": {\"f1\": {\"value\": 0.7123}}}"));
        parameters.put("F1Threshold", Json.nodes().numberNode(0.99));
        JsonNode message = Json.read("""
                {"Std:Join": {"On": " ", "Values": ["F1", {"Std:JsonGet": {
                  "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
                  "Path": "classification_metrics.f1.value"}}, "is below", {"Get": "Parameters.F1Threshold"}]}}""");

        assertEquals("F1 0.7123 is below 0.99", resolver.resolve(message).asText());
    }

    @Test
    void resolve_whenJsonGetReadsS3UriWithListIndex_returnsTheElement() {
        s3Objects.put("s3://b/report.json", Json.read("{\"runs\": [{\"f1\": 0.1}, {\"f1\": 0.2}]}"));
        JsonNode expression = Json.read("""
                {"Std:JsonGet": {"S3Uri": {"Std:Join": {"On": "/", "Values": ["s3:/", "b", "report.json"]}},
                                 "Path": "runs[1].f1"}}""");

        assertEquals(0.2, resolver.resolve(expression).doubleValue());
    }

    @Test
    void resolve_whenStepPropertyIsListIndexAndMapKey_navigatesBoth() {
        stepProperties.put("Tune", Json.read("""
                {"TrainingJobSummaries": [{"TrainingJobName": "t-001"}, {"TrainingJobName": "t-002"}],
                 "OutputParameters": {"status": "DEPLOYED"}}"""));

        assertEquals("t-002", resolver.resolve(Json.read("{\"Get\": \"Steps.Tune.TrainingJobSummaries[1].TrainingJobName\"}")).asText());
        assertEquals("DEPLOYED", resolver.resolve(Json.read("{\"Get\": \"Steps.Tune.OutputParameters['status']\"}")).asText());
    }

    @Test
    void resolve_failsWhenPropertyIsMissing_namingThePath() {
        stepProperties.put("Tune", Json.read("{\"BestTrainingJob\": {\"TrainingJobName\": \"t-001\"}}"));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Json.read("{\"Get\": \"Steps.Tune.BestTrainingJob.TunedHyperParameters\"}")));

        assertEquals("Steps.Tune.BestTrainingJob.TunedHyperParameters does not exist", error.getMessage());
    }

    @Test
    void resolve_failsWhenParameterIsUndeclared() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Json.read("{\"Get\": \"Parameters.Nope\"}")));

        assertTrue(error.getMessage().contains("no parameter named Nope"), error.getMessage());
    }

    @Test
    void resolve_whenObjectHasGetBesideOtherMembers_treatsItAsPlainData() {
        JsonNode data = Json.read("{\"Get\": \"x\", \"Other\": 1}");

        assertEquals(data, resolver.resolve(data));
    }

    @Test
    void conditions_whenF1BelowThreshold_holdsNotAndExplains() {
        propertyFiles.put("Evaluate.EvaluationReport",
                Json.read("{\"classification_metrics\": {\"f1\": {\"value\": 0.71}}}"));
        parameters.put("F1Threshold", Json.nodes().numberNode(0.99));
        JsonNode conditions = Json.read("""
                [{"Type": "GreaterThanOrEqualTo",
                  "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
                                                "Path": "classification_metrics.f1.value"}},
                  "RightValue": {"Get": "Parameters.F1Threshold"}}]""");

        Conditions.Outcome outcome = new Conditions(resolver).all(conditions);

        assertFalse(outcome.holds());
        assertEquals("0.71 >= 0.99", outcome.explanation());
    }

    @Test
    void conditions_whenNotOrAndIn_combine() {
        parameters.put("Status", Json.nodes().textNode("Approved"));
        JsonNode condition = Json.read("""
                {"Type": "Or", "Conditions": [
                  {"Type": "Not", "Expression": {"Type": "Equals", "LeftValue": 1, "RightValue": 1.0}},
                  {"Type": "In", "QueryValue": {"Get": "Parameters.Status"}, "Values": ["Approved", "Rejected"]}]}""");

        assertTrue(new Conditions(resolver).evaluate(condition).holds());
    }

    private static JsonNode step(String name) {
        for (JsonNode step : reference.path("Steps")) {
            if (step.path("Name").asText().equals(name)) {
                return step;
            }
        }
        throw new AssertionError("reference definition has no step " + name);
    }
}
