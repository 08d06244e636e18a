package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.execution.StepStatus;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.ContainerPaths;
import io.lgbmops.local.jobs.ModelServer;
import io.lgbmops.local.jobs.ProcessingJobRunner;
import io.lgbmops.pipeline.StepGraph;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.model.CreateProcessingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageSummary;
import software.amazon.awssdk.services.sagemaker.model.ProcessingOutput;

/**
 * A ClarifyCheck step. The Clarify container is not available locally; its analysis runs in
 * {@code clarify_local.py} against a local shadow endpoint (the container's {@code serve} on the
 * step's model), for the metrics that script implements. A configuration asking for anything else
 * makes the step Skipped, with the reason. The drift check against a previous baseline
 * ({@code SkipCheck=false}) has no local implementation: the baseline is still calculated and the
 * step reported Skipped.
 */
public final class ClarifyCheckStepExecutor implements StepExecutor {

    static final String SCRIPT = "clarify_local.py";
    static final String ANALYSIS_FILE = "analysis.json";
    private static final Set<String> POST_TRAINING = Set.of("DPPL", "DI", "AD", "RD", "all");
    private static final Set<String> PRE_TRAINING = Set.of("CI", "DPL", "all");
    private static final Set<String> SHAP_AGGREGATIONS = Set.of("mean_abs", "median", "mean_sq");

    /** Thrown before the job starts when the runner cannot do what the configuration asks. */
    static final class NoLocalImplementation extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoLocalImplementation(String message) {
            super(message);
        }
    }

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) throws Exception {
        JsonNode json = step.json();
        String checkType = text(context, json, "CheckType", "");
        boolean skipCheck = bool(context, json, "SkipCheck", false);
        boolean registerNewBaseline = bool(context, json, "RegisterNewBaseline", false);
        String supplied = text(context, json, "SuppliedBaselineConstraints", "");
        String modelName = text(context, json, "ModelName", "");
        String group = text(context, json, "ModelPackageGroupName", "");
        if (!Set.of("DATA_BIAS", "MODEL_BIAS", "MODEL_EXPLAINABILITY").contains(checkType)) {
            return StepOutcome.skipped("no local implementation of Clarify check type '" + checkType + "'");
        }
        ObjectNode arguments = context.arguments(step);
        CreateProcessingJobRequest request = SdkShapes.processingJob(arguments);

        Path script = installScript(context);
        List<ModelServer> shadowEndpoint = new ArrayList<>();
        ProcessingJobRunner.Outcome outcome;
        try {
            outcome = new ProcessingJobRunner(context).run(step.name(), arguments, request, (optMl, r) -> {
                Path configDir = ProcessingJobRunner.inputDir(optMl, r, "analysis_config");
                Path config = configDir.resolve("analysis_config.json");
                JsonNode analysis = Json.read(config);
                checkSupported(checkType, analysis);
                List<String> command = new ArrayList<>(List.of(context.image().python().toString(), script.toString(),
                        "--config", config.toString(),
                        "--data", ProcessingJobRunner.inputDir(optMl, r, "dataset").toString(),
                        "--output", ContainerPaths.local(optMl, analysisOutput(r).s3Output().localPath()).toString(),
                        "--check-type", checkType,
                        "--seed", Long.toString(context.settings().tuningSeed())));
                if (!checkType.equals("DATA_BIAS")) {
                    if (modelName.isEmpty()) {
                        throw new IllegalArgumentException(checkType + " needs the ModelName of the model to explain");
                    }
                    ModelServer server = shadowEndpoint(context, modelName, step.name());
                    shadowEndpoint.add(server);
                    command.addAll(List.of("--endpoint", server.invocations().toString()));
                }
                return new ProcessingJobRunner.Launch(command, Map.of());
            });
        } catch (NoLocalImplementation e) {
            return StepOutcome.skipped(e.getMessage());
        } finally {
            shadowEndpoint.forEach(ModelServer::close);
        }
        if (!outcome.completed()) {
            return StepOutcome.failed(outcome.failureReason(), outcome.properties(), outcome.details());
        }

        S3Uri calculated = S3Uri.parse(analysisOutput(request).s3Output().s3Uri()).resolve(ANALYSIS_FILE);
        JsonNode analysis = context.s3().readJson(calculated);
        Optional<String> previous = supplied.isBlank()
                ? previousBaseline(context, group, checkType) : Optional.of(supplied);
        ObjectNode properties = outcome.properties();
        properties.put("CalculatedBaselineConstraints", calculated.toString());
        if (registerNewBaseline) {
            properties.put("BaselineUsedForDriftCheckConstraints", calculated.toString());
        } else if (previous.isPresent()) {
            properties.put("BaselineUsedForDriftCheckConstraints", previous.get());
        } else {
            return StepOutcome.failed("RegisterNewBaseline is false and there is no previous " + checkType
                    + " baseline (no SuppliedBaselineConstraints, no approved package in group " + group + ")",
                    properties, outcome.details());
        }
        String figure = figure(checkType, analysis);
        outcome.details().set("analysis", analysis);
        if (skipCheck) {
            return StepOutcome.succeeded(properties, figure + "; drift check skipped (SkipCheck=true)", outcome.details());
        }
        if (previous.isEmpty()) {
            return StepOutcome.failed("SkipCheck is false but there is no previous " + checkType
                    + " baseline to check against (no SuppliedBaselineConstraints, no approved package in group "
                    + group + ")", properties, outcome.details());
        }
        return new StepOutcome(StepStatus.SKIPPED, properties, figure,
                "the drift check against " + previous.get() + " has no local implementation; only the baseline was calculated",
                outcome.details());
    }

    /** Refuses, before anything runs, an analysis the local script does not implement. */
    static void checkSupported(String checkType, JsonNode analysis) {
        JsonNode methods = analysis.path("methods");
        List<String> missing = new ArrayList<>();
        switch (checkType) {
            case "MODEL_BIAS" -> missing.addAll(unsupported(methods.path("post_training_bias").path("methods"), POST_TRAINING,
                    "post-training bias metric "));
            case "DATA_BIAS" -> missing.addAll(unsupported(methods.path("pre_training_bias").path("methods"), PRE_TRAINING,
                    "pre-training bias metric "));
            default -> {
                JsonNode shap = methods.path("shap");
                if (shap.isMissingNode()) {
                    missing.add("an explainability method other than shap");
                }
                if (!shap.path("baseline").isArray()) {
                    missing.add("a SHAP baseline given as an S3 URI (only inline records)");
                }
                String aggregation = shap.path("agg_method").asText("mean_abs");
                if (!SHAP_AGGREGATIONS.contains(aggregation)) {
                    missing.add("SHAP agg_method " + aggregation);
                }
                if (shap.path("use_logit").asBoolean(false)) {
                    missing.add("SHAP use_logit=true");
                }
            }
        }
        methods.fieldNames().forEachRemaining(method -> {
            if (!Set.of("post_training_bias", "pre_training_bias", "shap", "report").contains(method)) {
                missing.add("analysis method " + method);
            }
        });
        if (!missing.isEmpty()) {
            throw new NoLocalImplementation("no local implementation of " + String.join(", ", missing));
        }
    }

    private static List<String> unsupported(JsonNode requested, Set<String> supported, String what) {
        List<String> missing = new ArrayList<>();
        if (!requested.isArray() || requested.isEmpty()) {
            missing.add(what + "list (none given)");
            return missing;
        }
        requested.forEach(method -> {
            if (!supported.contains(method.asText())) {
                missing.add(what + method.asText());
            }
        });
        return missing;
    }

    private static ProcessingOutput analysisOutput(CreateProcessingJobRequest request) {
        List<ProcessingOutput> outputs = ProcessingJobRunner.outputs(request);
        if (outputs.size() != 1) {
            throw new IllegalArgumentException("a Clarify job has exactly one output (analysis_result), got " + outputs.size());
        }
        return outputs.get(0);
    }

    /** What a Clarify job's shadow endpoint is: the step's model, served locally. */
    private static ModelServer shadowEndpoint(RunContext context, String modelName, String stepName) throws IOException {
        DescribeModelResponse model = context.sageMaker().describeModel(b -> b.modelName(modelName));
        String modelDataUrl = model.primaryContainer() != null ? model.primaryContainer().modelDataUrl()
                : model.containers().isEmpty() ? null : model.containers().get(0).modelDataUrl();
        if (modelDataUrl == null) {
            throw new IllegalStateException("model " + modelName + " has no ModelDataUrl");
        }
        return ModelServer.start(context, modelDataUrl, context.directory("endpoints", "shadow-" + stepName));
    }

    /** The constraints file of this check type in the latest approved package of the group, if any. */
    static Optional<String> previousBaseline(RunContext context, String group, String checkType) {
        if (group.isBlank()) {
            return Optional.empty();
        }
        List<ModelPackageSummary> approved;
        try {
            approved = context.sageMaker().listModelPackages(b -> b.modelPackageGroupName(group)
                    .modelApprovalStatus("Approved")).modelPackageSummaryList();
        } catch (software.amazon.awssdk.services.sagemaker.model.SageMakerException e) {
            return Optional.empty();
        }
        Optional<ModelPackageSummary> latest = approved.stream()
                .max(Comparator.comparing(ModelPackageSummary::creationTime));
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        DescribeModelPackageResponse pkg = context.sageMaker()
                .describeModelPackage(b -> b.modelPackageName(latest.get().modelPackageArn()));
        var baselines = pkg.driftCheckBaselines();
        if (baselines == null) {
            return Optional.empty();
        }
        var source = switch (checkType) {
            case "MODEL_BIAS" -> baselines.bias() == null ? null : baselines.bias().postTrainingConstraints();
            case "DATA_BIAS" -> baselines.bias() == null ? null : baselines.bias().preTrainingConstraints();
            default -> baselines.explainability() == null ? null : baselines.explainability().constraints();
        };
        return source == null || source.s3Uri() == null ? Optional.empty() : Optional.of(source.s3Uri());
    }

    static String figure(String checkType, JsonNode analysis) {
        if (checkType.equals("MODEL_EXPLAINABILITY")) {
            // One entry per model output: label0 for a single probability, one per class otherwise.
            JsonNode outputs = analysis.at("/explanations/kernel_shap");
            List<String> parts = new ArrayList<>();
            outputs.properties().forEach(output -> {
                List<Map.Entry<String, Double>> ranked = new ArrayList<>();
                output.getValue().path("global_shap_values").properties()
                        .forEach(f -> ranked.add(Map.entry(f.getKey(), f.getValue().asDouble())));
                ranked.sort(Map.Entry.<String, Double>comparingByValue().reversed());
                List<String> top = new ArrayList<>();
                ranked.stream().limit(outputs.size() > 1 ? 2 : 3)
                        .forEach(e -> top.add(e.getKey() + " " + String.format(Locale.ROOT, "%.4f", e.getValue())));
                parts.add((outputs.size() > 1 ? output.getKey() + ": " : "") + String.join(", ", top));
            });
            return "Kernel SHAP, top features: " + String.join("; ", parts);
        }
        String key = checkType.equals("MODEL_BIAS") ? "post_training_bias_metrics" : "pre_training_bias_metrics";
        List<String> parts = new ArrayList<>();
        analysis.path(key).path("facets").properties().forEach(facet -> facet.getValue().forEach(group ->
                group.path("metrics").forEach(metric -> parts.add(String.format(Locale.ROOT, "%s(%s=%s)=%.4f",
                        metric.path("name").asText(), facet.getKey(), group.path("value_or_threshold").asText(),
                        metric.path("value").asDouble())))));
        return String.join(" ", parts);
    }

    private static Path installScript(RunContext context) throws IOException {
        Path target = context.directory("tools").resolve(SCRIPT);
        // The script stays at the runner's root package, where container/bench/explain_bench.py loads it too.
        try (InputStream in = ClarifyCheckStepExecutor.class.getResourceAsStream("/io/lgbmops/local/" + SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the runner's classpath");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static String text(RunContext context, JsonNode json, String member, String fallback) {
        JsonNode value = json.get(member);
        return value == null || value.isNull() ? fallback : context.resolver().resolveText(value);
    }

    private static boolean bool(RunContext context, JsonNode json, String member, boolean fallback) {
        JsonNode value = json.get(member);
        if (value == null || value.isNull()) {
            return fallback;
        }
        JsonNode resolved = context.resolve(value);
        if (resolved.isBoolean()) {
            return resolved.booleanValue();
        }
        String text = Json.text(resolved);
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(member + " must be a boolean, got " + text);
    }
}
