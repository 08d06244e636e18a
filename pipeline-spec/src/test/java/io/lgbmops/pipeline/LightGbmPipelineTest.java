package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.pipeline.deploy.DeployFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LightGbmPipelineTest {

    private static JsonNode definition;

    @BeforeAll
    static void build() {
        definition = Definitions.placeholderJson();
    }

    @Test
    void definition_whenBuilt_hasTheContractsStepNamesInOrder() {
        List<String> names = new ArrayList<>();
        Definitions.placeholder().allSteps().forEach(step -> names.add(step.name()));

        assertEquals(LightGbmPipeline.PIPELINE_STEP_NAMES, names);
        assertEquals("2020-12-01", definition.path("Version").asText());
    }

    @Test
    void checkF1_whenBuilt_comparesEvaluationReportF1WithThresholdParameter() {
        JsonNode condition = Definitions.step(definition, "CheckF1").path("Arguments").path("Conditions").get(0);

        assertEquals("GreaterThanOrEqualTo", condition.path("Type").asText());
        JsonNode jsonGet = condition.path("LeftValue").path("Std:JsonGet");
        assertEquals("Steps.Evaluate.PropertyFiles.EvaluationReport", jsonGet.path("PropertyFile").path("Get").asText());
        assertEquals("classification_metrics.f1.value", jsonGet.path("Path").asText());
        assertEquals("Parameters.F1Threshold", condition.path("RightValue").path("Get").asText());
    }

    @Test
    void evaluate_whenBuilt_declaresEvaluationReportOnItsEvaluationOutput() {
        JsonNode evaluate = Definitions.step(definition, "Evaluate");
        JsonNode file = evaluate.path("PropertyFiles").get(0);

        assertEquals("EvaluationReport", file.path("PropertyFileName").asText());
        assertEquals("evaluation", file.path("OutputName").asText());
        assertEquals("evaluation.json", file.path("FilePath").asText());
        assertEquals("evaluate", evaluate.path("Arguments").path("AppSpecification").path("ContainerEntrypoint")
                .get(0).asText());
    }

    @Test
    void objectiveRegex_whenTrainPrintsValidationF1_capturesTheValue() {
        JsonNode tuning = Definitions.step(definition, "Tune").path("Arguments");
        String metric = tuning.path("HyperParameterTuningJobConfig").path("HyperParameterTuningJobObjective")
                .path("MetricName").asText();
        String regex = null;
        for (JsonNode definitionOfMetric : tuning.path("TrainingJobDefinition").path("AlgorithmSpecification")
                .path("MetricDefinitions")) {
            if (definitionOfMetric.path("Name").asText().equals(metric)) {
                regex = definitionOfMetric.path("Regex").asText();
            }
        }

        Matcher matcher = Pattern.compile(regex).matcher("validation_f1=0.712345");

        assertTrue(matcher.find(), "the objective's regex must match what train prints");
        assertEquals("0.712345", matcher.group(1));
        assertFalse(Pattern.compile(regex).matcher("validation_auc=0.93").find());
    }

    @Test
    void tune_whenBuilt_searchesTheContractsHyperparametersWithSpotTrainingAndEncryption() {
        JsonNode arguments = Definitions.step(definition, "Tune").path("Arguments");
        JsonNode config = arguments.path("HyperParameterTuningJobConfig");
        JsonNode training = arguments.path("TrainingJobDefinition");

        assertEquals("Bayesian", config.path("Strategy").asText());
        assertEquals("Maximize", config.path("HyperParameterTuningJobObjective").path("Type").asText());
        assertEquals("Parameters.MaxTuningJobs",
                config.path("ResourceLimits").path("MaxNumberOfTrainingJobs").path("Get").asText());
        assertEquals(List.of("num_iterations", "num_leaves", "max_bin", "min_data_in_leaf"),
                names(config.path("ParameterRanges").path("IntegerParameterRanges")));
        assertEquals(List.of("learning_rate", "feature_fraction"),
                names(config.path("ParameterRanges").path("ContinuousParameterRanges")));
        assertEquals("Logarithmic",
                config.path("ParameterRanges").path("ContinuousParameterRanges").get(0).path("ScalingType").asText());
        assertTrue(training.path("EnableManagedSpotTraining").asBoolean());
        assertTrue(training.path("EnableNetworkIsolation").asBoolean());
        assertTrue(training.path("EnableInterContainerTrafficEncryption").asBoolean());
        assertTrue(training.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()
                >= training.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt());
        assertFalse(training.path("CheckpointConfig").path("S3Uri").isMissingNode());
        assertFalse(training.path("ResourceConfig").path("VolumeKmsKeyId").asText().isEmpty());
        assertFalse(training.path("OutputDataConfig").path("KmsKeyId").asText().isEmpty());
        assertEquals(List.of("train", "validation"), channelNames(training.path("InputDataConfig")));
    }

    @Test
    void preprocess_whenBuilt_shardsTheRawDataAndReplicatesTheContractAcrossInstances() {
        JsonNode arguments = Definitions.step(definition, "Preprocess").path("Arguments");
        Map<String, String> distribution = new java.util.LinkedHashMap<>();
        arguments.path("ProcessingInputs").forEach(input -> distribution.put(input.path("InputName").asText(),
                input.path("S3Input").path("S3DataDistributionType").asText()));

        assertEquals(Map.of("data", "ShardedByS3Key", "contract", "FullyReplicated"), distribution);
        assertEquals("Parameters.ProcessingInstanceCount",
                arguments.path("ProcessingResources").path("ClusterConfig").path("InstanceCount").path("Get").asText());
    }

    @Test
    void tune_whenBuilt_shardsTheTrainChannelAndReplicatesValidationAcrossInstances() {
        JsonNode training = Definitions.step(definition, "Tune").path("Arguments").path("TrainingJobDefinition");
        JsonNode channels = training.path("InputDataConfig");

        assertEquals("ShardedByS3Key",
                channels.get(0).path("DataSource").path("S3DataSource").path("S3DataDistributionType").asText());
        assertEquals("FullyReplicated",
                channels.get(1).path("DataSource").path("S3DataSource").path("S3DataDistributionType").asText());
        assertEquals("Parameters.TrainingInstanceCount",
                training.path("ResourceConfig").path("InstanceCount").path("Get").asText());
        // The instances exchange histograms: the traffic stays inside the job, encrypted.
        assertTrue(training.path("EnableNetworkIsolation").asBoolean());
        assertTrue(training.path("EnableInterContainerTrafficEncryption").asBoolean());
    }

    @Test
    void randomStrategy_whenChosen_isWrittenAsRandom() {
        var random = new LightGbmPipeline(PipelineSettings.placeholders(), TuningStrategy.RANDOM).definition();

        assertEquals("Random", Definitions.step(random.toJsonNode(), "Tune").path("Arguments")
                .path("HyperParameterTuningJobConfig").path("Strategy").asText());
    }

    @Test
    void topModelUri_whenBuilt_isTuningOutputPathThenBestJobThenModelTarball() {
        JsonNode outputPath = Definitions.step(definition, "Tune").path("Arguments").path("TrainingJobDefinition")
                .path("OutputDataConfig").path("S3OutputPath").path("Std:Join").path("Values");
        JsonNode modelUri = Definitions.step(definition, "Explain").path("Arguments").path("ProcessingInputs").get(0)
                .path("S3Input").path("S3Uri").path("Std:Join").path("Values");

        for (int i = 0; i < outputPath.size(); i++) {
            assertEquals(outputPath.get(i), modelUri.get(i));
        }
        assertEquals("Steps.Tune.BestTrainingJob.TrainingJobName", modelUri.get(outputPath.size()).path("Get").asText());
        assertEquals("output", modelUri.get(outputPath.size() + 1).asText());
        assertEquals("model.tar.gz", modelUri.get(outputPath.size() + 2).asText());
    }

    @Test
    void register_whenBuilt_carriesMetricsFromEvaluateAndExplain() {
        JsonNode arguments = Definitions.step(definition, "Register").path("Arguments");
        JsonNode metrics = arguments.path("ModelMetrics");

        assertEquals("Parameters.ModelApprovalStatus", arguments.path("ModelApprovalStatus").path("Get").asText());
        for (String[] expected : new String[][] {
                {"Bias", "PostTrainingReport", "bias.json"}, {"Explainability", "Report", "explainability.json"}}) {
            JsonNode join = metrics.path(expected[0]).path(expected[1]).path("S3Uri").path("Std:Join");
            assertEquals("Steps.Explain.ProcessingOutputConfig.Outputs['explain'].S3Output.S3Uri",
                    join.path("Values").get(0).path("Get").asText(), expected[0]);
            assertEquals(expected[2], join.path("Values").get(1).asText());
            assertEquals("application/json", metrics.path(expected[0]).path(expected[1]).path("ContentType").asText());
        }
        JsonNode statistics = metrics.path("ModelQuality").path("Statistics").path("S3Uri").path("Std:Join")
                .path("Values");
        assertEquals("Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri",
                statistics.get(0).path("Get").asText());
        assertEquals("evaluation.json", statistics.get(1).asText());
        assertEquals(List.of("text/csv"), texts(arguments.path("InferenceSpecification").path("SupportedContentTypes")));
        JsonNode drift = arguments.path("DriftCheckBaselines");
        assertEquals("Steps.ResolveBaseline.OutputParameters['BiasReportUri']",
                drift.path("Bias").path("PostTrainingConstraints").path("S3Uri").path("Get").asText(), drift::toString);
        assertEquals("Steps.ResolveBaseline.OutputParameters['ExplainabilityReportUri']",
                drift.path("Explainability").path("Constraints").path("S3Uri").path("Get").asText(), drift::toString);
        assertTrue(drift.path("Bias").path("ConfigFile").isMissingNode(), "no Clarify config in native mode");
    }

    @Test
    void resolveBaseline_whenBuilt_asksTheDeployFunctionForTheLastApprovedPackageOrTheMarker() {
        JsonNode step = Definitions.step(definition, "ResolveBaseline");

        assertEquals("Lambda", step.path("Type").asText());
        assertEquals(Definitions.step(definition, "Deploy").path("FunctionArn"), step.path("FunctionArn"));
        JsonNode event = step.path("Arguments");
        assertEquals("resolve-package", event.path("operation").asText());
        assertEquals("lgbmops-models", event.path("model_package_group").asText());
        assertEquals("", event.path("model_package_arn").asText());
        assertEquals("false", event.path("required").asText());
        assertEquals(List.of("s3:/", "lgbmops-write-111122223333", "pipeline-settings/no-approved-package.json"),
                texts(event.path("missing_report_uri").path("Std:Join").path("Values")));
        assertEquals(DeployFunction.RESOLVE_PACKAGE_OUTPUTS,
                step.path("OutputParameters").findValuesAsText("OutputName"));
    }

    @Test
    void explain_whenBuilt_runsOurImageIsolatedOnTheModelAndTestSplit() {
        JsonNode explain = Definitions.step(definition, "Explain");
        JsonNode arguments = explain.path("Arguments");
        JsonNode evaluate = Definitions.step(definition, "Evaluate").path("Arguments");

        assertEquals("Processing", explain.path("Type").asText());
        assertEquals(List.of("explain"), texts(arguments.path("AppSpecification").path("ContainerEntrypoint")));
        assertEquals(evaluate.path("AppSpecification").path("ImageUri"), arguments.path("AppSpecification").path("ImageUri"));
        JsonNode policy = arguments.path("AppSpecification").path("ContainerArguments");
        assertEquals("--min-disparate-impact", policy.get(0).asText());
        assertEquals("Parameters.MinDisparateImpact", policy.get(1).path("Std:Join").path("Values").get(0).path("Get").asText());
        assertEquals("--max-abs-dppl", policy.get(2).asText());
        assertEquals("Parameters.MaxAbsDPPL", policy.get(3).path("Std:Join").path("Values").get(0).path("Get").asText());
        assertTrue(arguments.path("NetworkConfig").path("EnableNetworkIsolation").booleanValue());
        assertEquals(evaluate.path("NetworkConfig"), arguments.path("NetworkConfig"));
        assertEquals(evaluate.path("RoleArn"), arguments.path("RoleArn"));
        assertEquals(evaluate.path("ProcessingOutputConfig").path("KmsKeyId"),
                arguments.path("ProcessingOutputConfig").path("KmsKeyId"));
        assertEquals(evaluate.path("ProcessingResources"), arguments.path("ProcessingResources"));
        JsonNode inputs = arguments.path("ProcessingInputs");
        assertEquals(List.of("model", "test", "baseline-bias", "baseline-explainability"), inputs.findValuesAsText("InputName"));
        assertEquals(evaluate.path("ProcessingInputs").get(0), inputs.get(0));
        assertEquals(evaluate.path("ProcessingInputs").get(1), inputs.get(1));
        for (String[] baseline : new String[][] {{"BiasReportUri", "baseline-bias"},
                {"ExplainabilityReportUri", "baseline-explainability"}}) {
            JsonNode input = inputs.get(baseline[1].equals("baseline-bias") ? 2 : 3).path("S3Input");
            assertEquals("Steps.ResolveBaseline.OutputParameters['" + baseline[0] + "']", input.path("S3Uri").path("Get").asText());
            assertEquals("/opt/ml/processing/input/" + baseline[1], input.path("LocalPath").asText());
        }
        assertEquals(List.of("--baseline-package=", "Steps.ResolveBaseline.OutputParameters['ModelPackageArn']"),
                joined(policy.get(4)));
        assertEquals(List.of("--baseline-reason=", "Steps.ResolveBaseline.OutputParameters['Reason']"),
                joined(policy.get(5)));
        assertEquals("/opt/ml/processing/explain", arguments.path("ProcessingOutputConfig").path("Outputs").get(0)
                .path("S3Output").path("LocalPath").asText());
        JsonNode file = explain.path("PropertyFiles").get(0);
        assertEquals("BiasReport", file.path("PropertyFileName").asText());
        assertEquals("explain", file.path("OutputName").asText());
        assertEquals("bias.json", file.path("FilePath").asText());
    }

    @Test
    void preprocess_whenBuilt_readsDataAndContractAndWritesTheSplits() {
        JsonNode arguments = Definitions.step(definition, "Preprocess").path("Arguments");
        JsonNode inputs = arguments.path("ProcessingInputs");

        assertEquals(List.of("data", "contract"), inputs.findValuesAsText("InputName"));
        assertEquals("Parameters.InputDataUri", inputs.get(0).path("S3Input").path("S3Uri").path("Get").asText());
        assertEquals("/opt/ml/processing/input/data", inputs.get(0).path("S3Input").path("LocalPath").asText());
        assertEquals("Parameters.DatasetContractUri", inputs.get(1).path("S3Input").path("S3Uri").path("Get").asText());
        assertEquals("/opt/ml/processing/input/contract", inputs.get(1).path("S3Input").path("LocalPath").asText());
        assertEquals(List.of("train", "validation", "test", "baseline"),
                arguments.path("ProcessingOutputConfig").path("Outputs").findValuesAsText("OutputName"));
    }

    @Test
    void checkBias_whenBuilt_comparesTheWorstFacetsWithThePolicyParameters() {
        JsonNode check = Definitions.step(definition, "CheckBias").path("Arguments");
        JsonNode di = check.path("Conditions").get(0);
        JsonNode dppl = check.path("Conditions").get(1);

        assertEquals(2, check.path("Conditions").size());
        assertEquals("GreaterThanOrEqualTo", di.path("Type").asText());
        assertEquals("Steps.Explain.PropertyFiles.BiasReport",
                di.path("LeftValue").path("Std:JsonGet").path("PropertyFile").path("Get").asText());
        assertEquals("gate.worst_di", di.path("LeftValue").path("Std:JsonGet").path("Path").asText());
        assertEquals("Parameters.MinDisparateImpact", di.path("RightValue").path("Get").asText());
        assertEquals("LessThanOrEqualTo", dppl.path("Type").asText());
        assertEquals("gate.worst_abs_dppl", dppl.path("LeftValue").path("Std:JsonGet").path("Path").asText());
        assertEquals("Parameters.MaxAbsDPPL", dppl.path("RightValue").path("Get").asText());
        assertEquals(List.of("Register", "Deploy"), names(check.path("IfSteps")));
        assertEquals(List.of("BiasAboveLimit"), names(check.path("ElseSteps")));
        assertEquals(List.of("ResolveBaseline", "Explain", "CheckBias"),
                names(Definitions.step(definition, "CheckF1").path("Arguments").path("IfSteps")));
    }

    @Test
    void biasAboveLimit_whenBuilt_namesTheFacetMetricValueAndPolicy() {
        JsonNode values = Definitions.step(definition, "BiasAboveLimit").path("Arguments").path("ErrorMessage")
                .path("Std:Join").path("Values");
        List<String> parts = new ArrayList<>();
        values.forEach(value -> parts.add(value.isTextual() ? value.asText()
                : value.has("Get") ? value.path("Get").asText() : value.path("Std:JsonGet").path("Path").asText()));

        assertEquals(List.of("bias beyond the policy: disparate impact (DI) of ", "gate.worst_di_facet", " is ",
                "gate.worst_di", " (MinDisparateImpact=", "Parameters.MinDisparateImpact", "); |DPPL| of ",
                "gate.worst_abs_dppl_facet", " is ", "gate.worst_abs_dppl", " (MaxAbsDPPL=", "Parameters.MaxAbsDPPL",
                "); the model was not registered"), parts);
    }

    @Test
    void descriptions_whenBuilt_nameNoDataset() {
        assertFalse(definition.toString().toLowerCase(java.util.Locale.ROOT).replace("/census", "")
                .replace("census.json", "").contains("census"), "only the default URIs name the census dataset");
    }

    @Test
    void deploy_whenBuilt_passesTheContractsEventAndDeclaresItsResult() {
        JsonNode deploy = Definitions.step(definition, "Deploy");

        assertEquals("arn:aws:lambda:us-east-1:111122223333:function:lgbmops-deploy", deploy.path("FunctionArn").asText());
        assertEquals("Steps.Register.ModelPackageArn",
                deploy.path("Arguments").path("model_package_arn").path("Get").asText());
        assertEquals("lgbmops-endpoint", deploy.path("Arguments").path("endpoint_name").asText());
        assertEquals("Parameters.DeployInstanceType", deploy.path("Arguments").path("instance_type").path("Get").asText());
        assertEquals("Parameters.DeployInstanceCount",
                deploy.path("Arguments").path("initial_instance_count").path("Get").asText());
        assertEquals("Parameters.F1Threshold",
                deploy.path("Arguments").path(DeployFunction.F1_THRESHOLD).path("Get").asText());
        List<String> outputs = new ArrayList<>();
        deploy.path("OutputParameters").forEach(output -> outputs.add(output.path("OutputName").asText()));
        assertEquals(DeployFunction.OUTPUTS, outputs);
    }

    @Test
    void register_whenBuilt_recordsTheExecutionsF1ThresholdOnThePackage() {
        JsonNode metadata = Definitions.step(definition, "Register").path("Arguments")
                .path("CustomerMetadataProperties").path(DeployFunction.F1_THRESHOLD_METADATA);

        // Metadata values must be strings: the number parameter goes through a one-element join.
        assertEquals("", metadata.path("Std:Join").path("On").asText(null), metadata::toString);
        assertEquals("Parameters.F1Threshold", metadata.path("Std:Join").path("Values").get(0).path("Get").asText(),
                metadata::toString);
    }

    @Test
    void f1BelowThreshold_whenBuilt_reportsTheF1ReachedAndTheThreshold() {
        JsonNode values = Definitions.step(definition, "F1BelowThreshold").path("Arguments").path("ErrorMessage")
                .path("Std:Join").path("Values");

        assertEquals("classification_metrics.f1.value", values.get(1).path("Std:JsonGet").path("Path").asText());
        assertEquals("Parameters.F1Threshold", values.get(3).path("Get").asText());
    }

    @Test
    void parameters_whenBuilt_defaultToTheSettings() {
        var built = Definitions.placeholder();

        assertEquals(0.9, built.parameter("F1Threshold").orElseThrow().defaultValue());
        assertEquals("PendingManualApproval", built.parameter("ModelApprovalStatus").orElseThrow().defaultValue());
        assertEquals(20, built.parameter("MaxTuningJobs").orElseThrow().defaultValue());
        assertEquals(2, built.parameter("MaxParallelTuningJobs").orElseThrow().defaultValue());
        assertEquals("s3://lgbmops-read-111122223333/raw/census/",
                built.parameter("InputDataUri").orElseThrow().defaultValue());
        assertEquals("s3://lgbmops-write-111122223333/pipeline-settings/datasets/census.json",
                built.parameter("DatasetContractUri").orElseThrow().defaultValue());
        assertEquals(0.5, LightGbmPipeline.build(PipelineSettings.placeholders().toBuilder().f1Threshold(0.5).build())
                .parameter("F1Threshold").orElseThrow().defaultValue());
        assertEquals(0.8, built.parameter("MinDisparateImpact").orElseThrow().defaultValue());
        assertEquals(0.1, built.parameter("MaxAbsDPPL").orElseThrow().defaultValue());
        var lenient = LightGbmPipeline.build(PipelineSettings.placeholders().toBuilder().minDisparateImpact(0.2)
                .maxAbsDppl(0.3).build());
        assertEquals(0.2, lenient.parameter("MinDisparateImpact").orElseThrow().defaultValue());
        assertEquals(0.3, lenient.parameter("MaxAbsDPPL").orElseThrow().defaultValue());
    }

    @Test
    void toJson_whenBuiltTwice_isIdentical() {
        assertEquals(Definitions.placeholder().toJson(), Definitions.placeholder().toJson());
    }

    @Test
    void toCompactJson_whenParsed_equalsThePrettyJson() {
        var built = Definitions.placeholder();

        assertEquals(PipelineJson.read(built.toJson()), PipelineJson.read(built.toCompactJson()));
        assertFalse(built.toCompactJson().contains("\n"));
    }

    @Test
    void jsonGet_whenPropertyFileIsNotDeclared_failsAtBuildTime() {
        ProcessingStep evaluate = (ProcessingStep) Definitions.placeholder().step("Evaluate").orElseThrow();

        var failure = assertThrows(IllegalArgumentException.class,
                () -> evaluate.jsonGet("EvaluationReprot", "classification_metrics.f1.value"));

        assertEquals("step Evaluate declares no property file EvaluationReprot", failure.getMessage());
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(element -> names.add(element.path("Name").asText()));
        return names;
    }

    private static List<String> channelNames(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(element -> names.add(element.path("ChannelName").asText()));
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(element -> texts.add(element.asText()));
        return texts;
    }

    /** A Std:Join's values: texts as they are, Gets by their path. */
    private static List<String> joined(JsonNode join) {
        List<String> values = new ArrayList<>();
        join.path("Std:Join").path("Values").forEach(v -> values.add(v.isTextual() ? v.asText() : v.path("Get").asText()));
        return values;
    }
}
