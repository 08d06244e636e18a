package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.Emulator;
import io.lgbmops.local.emulator.EmulatorState;
import io.lgbmops.local.emulator.S3Store;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.Console;
import io.lgbmops.local.execution.PipelineDefinition;
import io.lgbmops.local.execution.PipelineExecution;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.RunSettings;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.Parameters;
import io.lgbmops.local.steps.ClarifyCheckStepExecutor;
import io.lgbmops.local.steps.ConditionStepExecutor;
import io.lgbmops.local.steps.DeployFunctionEnvironment;
import io.lgbmops.local.steps.FailStepExecutor;
import io.lgbmops.local.steps.LambdaStepExecutor;
import io.lgbmops.local.steps.ModelStepExecutor;
import io.lgbmops.local.steps.ProcessingStepExecutor;
import io.lgbmops.local.steps.RegisterModelStepExecutor;
import io.lgbmops.local.steps.TrainingStepExecutor;
import io.lgbmops.local.steps.TransformStepExecutor;
import io.lgbmops.local.steps.TuningStepExecutor;
import io.lgbmops.local.template.DefinitionSource;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.StepGraph;
import io.lgbmops.pipeline.deploy.DeployFunction;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the pipeline definition that {@code cdk deploy} ships on this machine, no AWS account and
 * no Docker: moto stands in for the AWS APIs (S3, SageMaker's control plane), the container's
 * console scripts for the image, and the deploy Lambda's own jar for the function. After a
 * successful execution the registered model is served locally and answers a few test rows.
 *
 * <p>Exit status: 0 the execution succeeded (and the smoke test too), 1 it failed (a Fail step,
 * a step error or the smoke test), 2 the command line or the setup is wrong.
 */
public final class LocalPipelineRunner {

    static final int SUCCEEDED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private LocalPipelineRunner() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out));
    }

    static int run(List<String> args, PrintStream out) {
        RunnerOptions options;
        try {
            options = RunnerOptions.parse(args);
        } catch (RunnerOptions.UsageException e) {
            out.println(e.getMessage());
            return USAGE;
        }
        try {
            return run(options, out);
        } catch (RunnerOptions.UsageException e) {
            out.println("error: " + e.getMessage());
            return USAGE;
        }
    }

    static int run(RunnerOptions options, PrintStream out) {
        if (options.batch()) {
            return BatchRun.run(options, out);
        }
        Console console = new Console(out);
        DefinitionSource source = DefinitionSource.load(options);
        PipelineDefinition definition;
        try {
            definition = PipelineDefinition.parse(source.definition());
        } catch (IllegalArgumentException e) {
            throw new RunnerOptions.UsageException("the pipeline definition is not runnable: " + e.getMessage());
        }
        Map<String, JsonNode> parameters = Parameters.resolve(definition, options.parameters());
        // A monitoring run reads what is already in the emulator: the deployed endpoint and its capture files.
        if (!options.monitoring() && !Files.isRegularFile(options.data()) && !Files.isDirectory(options.data())) {
            throw new RunnerOptions.UsageException("no data file or directory at " + options.data() + " (--data)");
        }
        DatasetInputs dataset = options.monitoring() ? null : DatasetInputs.choose(options, source.staticFiles(), parameters);
        Map<String, String> given = new LinkedHashMap<>(options.parameters());
        if (dataset != null && !dataset.parameterOverrides().isEmpty()) {
            given.putAll(dataset.parameterOverrides());
            parameters = Parameters.resolve(definition, given);
        }
        try (RunEnvironment run = RunEnvironment.open(options, console, source.pipelineName().orElse("lgbmops-local"),
                "pipeline", source.description())) {
            console.info("parameters", describeParameters(definition, parameters, given));
            S3Store s3 = run.s3();
            Set<String> buckets = run.createBuckets(definition, parameters);
            if (dataset != null) {
                S3Uri dataTarget = dataset.dataTarget();
                if (Files.isDirectory(options.data())) {
                    // Several files under one prefix, as a multi-instance preprocess shards them.
                    if (!dataTarget.key().isEmpty() && !dataTarget.key().endsWith("/")) {
                        dataTarget = new S3Uri(dataTarget.bucket(), dataTarget.key() + "/");
                    }
                    int files = s3.uploadDirectory(options.data(), dataTarget);
                    console.info("data", options.data() + " (" + files + " files) -> " + dataTarget);
                } else {
                    if (dataTarget.key().isEmpty() || dataTarget.key().endsWith("/")) {
                        dataTarget = dataTarget.resolve(options.data().getFileName().toString());
                    }
                    s3.upload(options.data(), dataTarget);
                    console.info("data", options.data() + " -> " + dataTarget);
                }
            }
            Set<String> staticFiles = run.uploadStaticFiles(source.staticFiles(), buckets);
            // After the stack's files: a contract given on the command line wins over the deployed one.
            if (dataset != null && dataset.uploadContract()) {
                s3.uploadText(dataset.contractText(), dataset.contractTarget());
            }
            if (dataset != null) {
                console.info("dataset", dataset.contract().name() + " (" + dataset.shownAs() + ") -> "
                        + dataset.contractTarget());
            }

            Map<String, Map<String, String>> lambdaEnvironment = lambdaEnvironment(source, definition, parameters, options);
            List<String> deviations = deviations(options, source);
            deviations.forEach(d -> console.info("local", d));
            RunSettings settings = new RunSettings(options.seed(), options.maxParallel(),
                    options.hyperparameterOverrides(), options.lambdaJar().toAbsolutePath(), source.lambdaCode(), lambdaEnvironment);
            RunContext context = run.context(definition, parameters, settings);
            uploadMissingReportMarkers(definition, context, staticFiles, console);
            console.line("");

            PipelineExecution.Result result = new PipelineExecution(context, stepExecutors(run.emulator())).run();

            Optional<SmokeTest.Result> smoke = Optional.empty();
            String smokeError = null;
            if (result.succeeded() && options.smokeRows() > 0 && !options.monitoring()) {
                try {
                    smoke = SmokeTest.run(context, result.steps(), options.smokeRows());
                    Optional<CaptureWriter> capture = CaptureWriter.fromLambdaEnvironment(lambdaEnvironment);
                    if (smoke.isPresent() && capture.isPresent()) {
                        capture.get().write(context, smoke.get());
                    }
                } catch (Exception e) {
                    smokeError = PipelineExecution.message(e);
                }
            }
            ObjectNode state = EmulatorState.describe(run.clients().sageMaker());
            RunSummary summary = new RunSummary(run.execution(), source.description(), run.emulator().endpoint().toString(),
                    parameters, options.hyperparameterOverrides(), deviations, result, smoke, smokeError, state, run.workDir());
            summary.print(console);
            run.finish(summary.toJson());
            return summary.exitCode();
        } catch (IOException e) {
            out.println("error: " + e.getMessage());
            return FAILED;
        }
    }

    static Map<String, StepExecutor> stepExecutors(Emulator emulator) {
        Map<String, StepExecutor> executors = new LinkedHashMap<>();
        executors.put("Processing", new ProcessingStepExecutor());
        executors.put("Training", new TrainingStepExecutor());
        executors.put("Tuning", new TuningStepExecutor());
        executors.put("Condition", new ConditionStepExecutor());
        executors.put("Fail", new FailStepExecutor());
        executors.put("Model", new ModelStepExecutor());
        executors.put("RegisterModel", new RegisterModelStepExecutor());
        executors.put("Lambda", new LambdaStepExecutor(emulator.endpoint().toString()));
        executors.put("ClarifyCheck", new ClarifyCheckStepExecutor());
        executors.put("Transform", new TransformStepExecutor());
        return executors;
    }

    /** Every bucket the definition names: created up front, as the stacks create them in AWS. */
    /**
     * The document a Lambda step's {@code missing_report_uri} names (the deploy function's
     * resolve-package answers it for a report there is none of): the stack deploys it with the
     * pipeline settings; a bare definition runs without the stack, so the runner puts it there.
     */
    private static void uploadMissingReportMarkers(PipelineDefinition definition, RunContext context,
            Set<String> deployedByTheStack, Console console) {
        for (StepGraph.Node step : definition.executionOrder()) {
            JsonNode uri = step.arguments().path(DeployFunction.MISSING_REPORT_URI);
            if (!"Lambda".equals(step.type()) || uri.isMissingNode()) {
                continue;
            }
            String target = context.resolver().resolveText(uri);
            if (!deployedByTheStack.contains(target)) {
                context.s3().uploadText(LightGbmPipeline.noApprovedPackageMarker(), S3Uri.parse(target));
                console.info("marker", target + " (what the stack deploys with the pipeline settings)");
            }
        }
    }

    static Set<String> buckets(JsonNode definition, Map<String, JsonNode> parameters) {
        Set<String> buckets = new LinkedHashSet<>();
        collectBuckets(definition, buckets);
        parameters.values().forEach(value -> collectBuckets(value, buckets));
        return buckets;
    }

    private static void collectBuckets(JsonNode node, Set<String> buckets) {
        if (node.isTextual() && node.asText().startsWith("s3://")) {
            buckets.add(S3Uri.parse(node.asText()).bucket());
        } else if (node.isObject() && node.size() == 1 && node.has("Std:Join")) {
            JsonNode values = node.path("Std:Join").path("Values");
            if ("/".equals(node.path("Std:Join").path("On").asText()) && values.size() > 1
                    && "s3:".equals(values.get(0).asText().replace("/", "")) && values.get(1).isTextual()) {
                buckets.add(values.get(1).asText());
            }
            values.forEach(v -> collectBuckets(v, buckets));
        } else if (node.isContainerNode()) {
            node.forEach(child -> collectBuckets(child, buckets));
        }
    }

    static Map<String, Map<String, String>> lambdaEnvironment(DefinitionSource source, PipelineDefinition definition,
                                                                      Map<String, JsonNode> parameters, RunnerOptions options) {
        Map<String, Map<String, String>> environments = new LinkedHashMap<>();
        if (source.lambdaEnvironment().isEmpty()) {
            environments.put("*", new LinkedHashMap<>(DeployFunctionEnvironment.derive(definition, parameters)));
        } else {
            source.lambdaEnvironment().forEach((arn, env) -> environments.put(arn, new LinkedHashMap<>(env)));
        }
        for (Map<String, String> environment : environments.values()) {
            environment.putAll(options.lambdaEnvironment());
        }
        return environments;
    }

    private static List<String> deviations(RunnerOptions options, DefinitionSource source) {
        List<String> notes = new ArrayList<>();
        notes.add("images: processing/training entry points run as " + options.venv().resolve("bin") + "/<entry point>;"
                + " Clarify runs as clarify_local.py against a local shadow endpoint");
        if (source.lambdaEnvironment().isEmpty()) {
            notes.add("deploy Lambda environment derived from the definition (a plain definition does not carry it)");
        }
        if (!options.hyperparameterOverrides().isEmpty()) {
            notes.add("hyperparameters overridden for every training job: " + options.hyperparameterOverrides());
        }
        if (!options.lambdaEnvironment().isEmpty()) {
            notes.add("Lambda environment overridden: " + options.lambdaEnvironment());
        }
        return notes;
    }

    private static String describeParameters(PipelineDefinition definition, Map<String, JsonNode> values, Map<String, String> overrides) {
        List<String> parts = new ArrayList<>();
        for (String name : definition.parameters().keySet()) {
            parts.add(name + "=" + Json.text(values.get(name)) + (overrides.containsKey(name) ? " (given)" : ""));
        }
        return String.join(", ", parts);
    }
}
