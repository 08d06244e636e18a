package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.EmulatorState;
import io.lgbmops.local.emulator.S3Store;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.Console;
import io.lgbmops.local.execution.PipelineDefinition;
import io.lgbmops.local.execution.PipelineExecution;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.RunSettings;
import io.lgbmops.local.execution.StepStatus;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.Parameters;
import io.lgbmops.local.steps.DeployFunctionEnvironment;
import io.lgbmops.local.steps.TransformStepExecutor;
import io.lgbmops.local.template.DefinitionSource;
import io.lgbmops.pipeline.BatchPipeline;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.dataset.DatasetContract;
import io.lgbmops.pipeline.deploy.DeploySettings.Setting;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code --pipeline batch}: the batch scoring pipeline run locally, like the training pipeline
 * (moto, the container's scripts, the deploy function's jar), with the Transform step emulated
 * by {@link TransformStepExecutor}. The definition is {@code --definition FILE}, or from
 * {@code --cdk-out} the {@code -Batch} stack's (with the stage's deployed contract, unless
 * {@code --dataset} names one, and the deploy function as the stacks configure it), else the one
 * pipeline-spec's {@link BatchPipeline} builds for the {@code --dataset} contract (default
 * {@code datasets/churn.json}) with the placeholder settings a plain training run uses, so a
 * package registered by such a run (same group) is what it scores with. {@code --data} (a file,
 * or a directory whose files are all uploaded) goes under {@code InputDataUri}; the contract goes
 * where the Select step reads it.
 */
final class BatchRun {

    static final String DEFAULT_CONTRACT = "datasets/churn.json";

    private BatchRun() {}

    static int run(RunnerOptions options, PrintStream out) {
        Console console = new Console(out);
        // From a synthesized app: the -Batch stack's pipeline, the contract the stage deploys, the deploy
        // function's environment and code as the stacks have them.
        Optional<DefinitionSource> stack = options.definition().isEmpty() && options.cdkOut().isPresent()
                ? Optional.of(DefinitionSource.load(options)) : Optional.empty();
        // A contract to upload: the one --dataset names, else (without the app's deployed one) the default.
        Optional<Contract> given = stack.isPresent() && options.dataset().isEmpty() ? Optional.empty()
                : Optional.of(Contract.read(options.dataset().orElse(options.repoRoot().resolve(DEFAULT_CONTRACT))));
        JsonNode json;
        String description;
        if (options.definition().isPresent()) {
            json = Json.read(options.definition().get());
            description = options.definition().get().toString();
        } else if (stack.isPresent()) {
            json = stack.get().definition();
            description = stack.get().description();
        } else {
            DatasetContract contract = given.orElseThrow().contract();
            PipelineSettings settings = PipelineSettings.placeholders().toBuilder()
                    .defaultDatasetContractUri("s3://" + PipelineSettings.placeholders().writeBucketName() + "/"
                            + LightGbmPipeline.datasetContractKey(contract.name()))
                    .build();
            String readBucket = PipelineSettings.placeholders().defaultInputDataUri().split("/")[2];
            json = Json.read(new BatchPipeline(settings, contract,
                    "s3://" + readBucket + "/" + BatchPipeline.batchInputPrefix(contract.name())).definition().toJson());
            description = "pipeline-spec BatchPipeline for " + given.get().file().getFileName() + " with placeholder settings";
        }
        PipelineDefinition definition;
        try {
            definition = PipelineDefinition.parse(json);
        } catch (IllegalArgumentException e) {
            throw new RunnerOptions.UsageException("the batch pipeline definition is not runnable: " + e.getMessage());
        }
        Map<String, JsonNode> parameters = Parameters.resolve(definition, options.parameters());
        JsonNode inputUri = parameters.get(options.dataParameter());
        if (inputUri == null || !inputUri.asText().startsWith("s3://")) {
            throw new RunnerOptions.UsageException("parameter " + options.dataParameter()
                    + " must hold an s3:// prefix to upload --data to, got " + inputUri);
        }
        List<Path> dataFiles = dataFiles(options.data());
        S3Uri contractTarget = contractInput(definition.json()).orElseThrow(() -> new RunnerOptions.UsageException(
                "the definition has no processing input named contract with an s3:// URI to upload the contract to"));

        String pipelineName = stack.flatMap(DefinitionSource::pipelineName).orElse("lgbmops-local-batch");
        try (RunEnvironment run = RunEnvironment.open(options, console, pipelineName, "batch", description)) {
            S3Store s3 = run.s3();
            Set<String> buckets = run.createBuckets(definition, parameters);
            stack.ifPresent(source -> run.uploadStaticFiles(source.staticFiles(), buckets));
            S3Uri prefix = S3Uri.parse(inputUri.asText().endsWith("/") ? inputUri.asText() : inputUri.asText() + "/");
            Path base = Files.isDirectory(options.data()) ? options.data() : options.data().getParent();
            for (Path file : dataFiles) {
                s3.upload(file, prefix.resolve(base.relativize(file).toString().replace('\\', '/')));
            }
            console.info("data", dataFiles.size() + " file(s) from " + options.data() + " -> " + prefix);
            // After the stage's deployed contract: --dataset wins over it, as in a training run.
            given.ifPresent(contract -> {
                s3.uploadText(contract.text(), contractTarget);
                console.info("dataset", contract.contract().name() + " (" + contract.file() + ") -> " + contractTarget);
            });

            List<String> deviations = new ArrayList<>();
            Map<String, Map<String, String>> lambdaEnvironment = stack.isPresent()
                    ? LocalPipelineRunner.lambdaEnvironment(stack.get(), definition, parameters, options)
                    : derivedLambdaEnvironment(definition, parameters, options, deviations);
            deviations.add("Transform: the model's serve on 127.0.0.1, mini-batches sent by this runner"
                    + " (SplitType=Line, MultiRecord, MaxPayloadInMB, MaxConcurrentTransforms, JSONPath filters)");
            deviations.forEach(d -> console.info("local", d));
            RunSettings settings = new RunSettings(options.seed(), options.maxParallel(), Map.of(),
                    options.lambdaJar().toAbsolutePath(), stack.map(DefinitionSource::lambdaCode).orElse(Map.of()),
                    lambdaEnvironment);
            RunContext context = run.context(definition, parameters, settings);
            console.line("");
            PipelineExecution.Result result = new PipelineExecution(context, LocalPipelineRunner.stepExecutors(run.emulator())).run();

            ObjectNode state = EmulatorState.describe(run.clients().sageMaker());
            RunSummary summary = new RunSummary(run.execution(), description, run.emulator().endpoint().toString(), parameters,
                    Map.of(), deviations, result, Optional.empty(), null, state, run.workDir());
            summary.print(console);
            ObjectNode report = summary.toJson();
            selection(context, result).ifPresent(selection -> {
                console.info("selection", Json.compact(selection));
                report.set("selection", selection);
            });
            run.finish(report);
            return summary.exitCode();
        } catch (IOException e) {
            out.println("error: " + e.getMessage());
            return LocalPipelineRunner.FAILED;
        }
    }

    /** A dataset contract file, read and checked. */
    private record Contract(Path file, String text, DatasetContract contract) {
        static Contract read(Path file) {
            String text = DatasetInputs.read(file, "--dataset");
            return new Contract(file, text, DatasetInputs.parse(text, file.toString()));
        }
    }

    /** A plain definition carries no function environment: it is derived from the definition. */
    private static Map<String, Map<String, String>> derivedLambdaEnvironment(PipelineDefinition definition,
            Map<String, JsonNode> parameters, RunnerOptions options, List<String> deviations) {
        Map<String, String> function = new LinkedHashMap<>(DeployFunctionEnvironment.derive(definition, parameters));
        if (!function.containsKey(Setting.ENDPOINT_NAME.name()) && function.containsKey(Setting.MODEL_PACKAGE_GROUP_NAME.name())) {
            // resolve-package reads no endpoint, but the function's configuration requires one.
            function.put(Setting.ENDPOINT_NAME.name(), function.get(Setting.MODEL_PACKAGE_GROUP_NAME.name()));
            deviations.add("deploy Lambda ENDPOINT_NAME set to the group's name: the batch pipeline names no"
                    + " endpoint and resolve-package reads none");
        }
        function.putAll(options.lambdaEnvironment());
        Map<String, Map<String, String>> environments = new LinkedHashMap<>();
        environments.put("*", function);
        return environments;
    }

    /** The Select step's summary.json, from where its property file was read. */
    private static Optional<JsonNode> selection(RunContext context, PipelineExecution.Result result) {
        return result.steps().stream()
                .filter(s -> s.status() == StepStatus.SUCCEEDED)
                .map(s -> s.details().path("propertyFiles").path(BatchPipeline.SELECTION_SUMMARY))
                .filter(JsonNode::isTextual)
                .findFirst()
                .map(uri -> context.s3().readJson(S3Uri.parse(uri.asText())));
    }

    private static List<Path> dataFiles(Path data) {
        if (Files.isRegularFile(data)) {
            return List.of(data);
        }
        if (!Files.isDirectory(data)) {
            throw new RunnerOptions.UsageException("--data: no file or directory at " + data);
        }
        try (Stream<Path> files = Files.walk(data)) {
            List<Path> found = files.filter(Files::isRegularFile).sorted().toList();
            if (found.isEmpty()) {
                throw new RunnerOptions.UsageException("--data: " + data + " holds no files");
            }
            return found;
        } catch (IOException e) {
            throw new RunnerOptions.UsageException("--data: cannot list " + data + ": " + e.getMessage());
        }
    }

    /** Where the definition's processing steps read the contract from. */
    static Optional<S3Uri> contractInput(JsonNode node) {
        if (node.isObject()) {
            if (LightGbmPipeline.CONTRACT_INPUT.equals(node.path("InputName").asText())
                    && node.path("S3Input").path("S3Uri").isTextual()
                    && node.path("S3Input").path("S3Uri").asText().startsWith("s3://")) {
                return Optional.of(S3Uri.parse(node.path("S3Input").path("S3Uri").asText()));
            }
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                Optional<S3Uri> found = contractInput(child);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
