package io.lgbmops.local.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.expressions.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.CreateProcessingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.ProcessingInput;
import software.amazon.awssdk.services.sagemaker.model.ProcessingOutput;
import software.amazon.awssdk.services.sagemaker.model.ProcessingS3Input;

/**
 * One processing job the way SageMaker runs it: S3 inputs downloaded into the job's
 * {@code /opt/ml/processing/...}, a program run, the outputs uploaded to S3 at the end.
 *
 * <p>With {@code ClusterConfig.InstanceCount} n > 1 it starts n processes at once, hosts
 * {@code algo-1} to {@code algo-n}, each with its own {@code /opt/ml} and
 * {@code /opt/ml/config/resourceconfig.json}; the job completes when every instance does, and
 * every instance's outputs are uploaded. The metrics are read from the first instance's log.
 */
public final class ProcessingJobRunner {

    private static final Duration DEFAULT_MAX_RUNTIME = Duration.ofDays(1);
    static final String SHARDED = "ShardedByS3Key";
    static final String MANIFEST_FILE = "ManifestFile";

    /** The program to run and its extra environment, chosen once the inputs are in place. */
    public record Launch(List<String> command, Map<String, String> environment) {}

    public interface Launcher {
        Launch prepare(Path optMl, CreateProcessingJobRequest request) throws Exception;
    }

    public record Outcome(
            String jobName,
            boolean completed,
            String failureReason,
            ObjectNode properties,
            ObjectNode details,
            Map<String, Double> metrics,
            Path optMl) {}

    private final RunContext context;

    public ProcessingJobRunner(RunContext context) {
        this.context = context;
    }

    public Outcome run(String stepName, ObjectNode arguments, CreateProcessingJobRequest request, Launcher launcher) throws Exception {
        String jobName = context.jobName(stepName, 63);
        Path jobDir = context.directory("jobs", jobName);
        int instances = instanceCount(request);
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
            hosts.add("algo-" + i);
        }
        List<Path> optMls = new ArrayList<>();
        List<List<String>> commands = new ArrayList<>();
        List<Map<String, String>> environments = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int rank = 0; rank < instances; rank++) {
            // One instance keeps the layout of a single-instance job: <job>/opt_ml.
            Path optMl = Files.createDirectories(instances == 1
                    ? jobDir.resolve("opt_ml") : jobDir.resolve(hosts.get(rank)).resolve("opt_ml"));
            prepareHost(request, optMl, hosts, rank);
            Launch launch = launcher.prepare(optMl, request);
            if (rank == 0) {
                context.console().stepDetail("job " + jobName + (instances > 1 ? " (" + instances + " instances)" : "")
                        + ": " + String.join(" ", displayCommand(launch.command(), jobDir)));
            }
            Map<String, String> environment = new java.util.HashMap<>(request.environment());
            environment.putAll(launch.environment());
            optMls.add(optMl);
            commands.add(launch.command());
            environments.add(context.image().environment(optMl, environment));
            // The first instance's log is the job's log; its metrics are the step's.
            logs.add(rank == 0 ? jobDir.resolve("job.log") : jobDir.resolve(hosts.get(rank) + ".log"));
        }
        Duration timeout = request.stoppingCondition() == null || request.stoppingCondition().maxRuntimeInSeconds() == null
                ? DEFAULT_MAX_RUNTIME : Duration.ofSeconds(request.stoppingCondition().maxRuntimeInSeconds());
        Instant started = Instant.now();
        List<ChildProcesses.Result> results = instances == 1
                ? List.of(context.processes().run(commands.get(0), environments.get(0), jobDir, logs.get(0), timeout))
                : context.processes().runAll(commands, environments, jobDir, logs, timeout);

        ObjectNode properties = arguments.deepCopy();
        properties.put("ProcessingJobName", jobName);
        properties.put("ProcessingJobArn", context.arn("processing-job", jobName));
        properties.put("ProcessingStartTime", started.toString());
        Map<String, Double> metrics = ContainerPaths.printedMetrics(results.get(0).output());
        ObjectNode details = Json.object().put("jobName", jobName).put("log", results.get(0).log().toString());
        details.set("metrics", Json.MAPPER.valueToTree(metrics));
        for (int rank = 0; rank < instances; rank++) {
            ChildProcesses.Result result = results.get(rank);
            if (!result.succeeded()) {
                String reason = JobFailures.reason(result, optMls.get(rank).resolve("output/message"), timeout);
                if (instances > 1) {
                    reason = hosts.get(rank) + ": " + reason;
                }
                properties.put("ProcessingJobStatus", "Failed").put("ExitMessage", reason);
                return new Outcome(jobName, false, "processing job " + jobName + " failed: " + reason, properties, details,
                        metrics, optMls.get(0));
            }
        }
        // Every instance uploads its output directories to the same prefixes, as SageMaker does.
        int uploaded = 0;
        for (Path optMl : optMls) {
            for (ProcessingOutput output : outputs(request)) {
                uploaded += context.s3().uploadDirectory(ContainerPaths.local(optMl, output.s3Output().localPath()),
                        S3Uri.parse(output.s3Output().s3Uri()));
            }
        }
        details.put("uploadedFiles", uploaded);
        properties.put("ProcessingJobStatus", "Completed");
        properties.put("ProcessingEndTime", Instant.now().toString());
        return new Outcome(jobName, true, null, properties, details, metrics, optMls.get(0));
    }

    /** ClusterConfig.InstanceCount; 1 when absent. */
    static int instanceCount(CreateProcessingJobRequest request) {
        var resources = request.processingResources();
        Integer count = resources == null || resources.clusterConfig() == null
                ? null : resources.clusterConfig().instanceCount();
        if (count != null && count < 1) {
            throw new IllegalArgumentException("ClusterConfig.InstanceCount must be at least 1, got " + count);
        }
        return count == null ? 1 : count;
    }

    /**
     * One instance's {@code /opt/ml}: {@code config/resourceconfig.json} naming it among the
     * job's hosts, its inputs ({@code ShardedByS3Key} ones dealt out over the instances, in
     * key order, one object each in turn) and empty output directories.
     */
    private void prepareHost(CreateProcessingJobRequest request, Path optMl, List<String> hosts, int rank)
            throws java.io.IOException {
        ObjectNode resourceConfig = Json.object().put("current_host", hosts.get(rank));
        hosts.forEach(resourceConfig.putArray("hosts")::add);
        Files.writeString(Files.createDirectories(optMl.resolve("config")).resolve("resourceconfig.json"),
                Json.write(resourceConfig));
        for (ProcessingInput input : request.processingInputs()) {
            download(input, optMl, rank, hosts.size());
        }
        for (ProcessingOutput output : outputs(request)) {
            if (output.s3Output() == null) {
                throw new IllegalStateException("output " + output.outputName() + " is not an S3 output; only S3 outputs run locally");
            }
            Files.createDirectories(ContainerPaths.local(optMl, output.s3Output().localPath()));
        }
    }

    public static List<ProcessingOutput> outputs(CreateProcessingJobRequest request) {
        return request.processingOutputConfig() == null ? List.of() : request.processingOutputConfig().outputs();
    }

    /** The local directory of the input named {@code inputName}. */
    public static Path inputDir(Path optMl, CreateProcessingJobRequest request, String inputName) {
        return request.processingInputs().stream()
                .filter(input -> input.inputName().equals(inputName) && input.s3Input() != null)
                .findFirst()
                .map(input -> ContainerPaths.local(optMl, input.s3Input().localPath()))
                .orElseThrow(() -> new IllegalStateException("the job has no input named " + inputName));
    }

    private void download(ProcessingInput input, Path optMl, int rank, int instances) {
        ProcessingS3Input s3 = input.s3Input();
        if (s3 == null) {
            throw new IllegalStateException("input " + input.inputName() + " is not an S3 input; only S3 inputs run locally");
        }
        boolean manifest = MANIFEST_FILE.equals(s3.s3DataTypeAsString());
        if (s3.s3DataType() != null && !"S3Prefix".equals(s3.s3DataTypeAsString()) && !manifest) {
            throw new IllegalStateException("input " + input.inputName() + " has S3DataType " + s3.s3DataTypeAsString()
                    + "; only S3Prefix and ManifestFile run locally");
        }
        if (manifest && SHARDED.equals(s3.s3DataDistributionTypeAsString())) {
            throw new IllegalStateException("input " + input.inputName() + " shards a manifest; only FullyReplicated "
                    + "manifests run locally");
        }
        if (s3.s3InputMode() != null && !"File".equals(s3.s3InputModeAsString())) {
            throw new IllegalStateException("input " + input.inputName() + " has S3InputMode " + s3.s3InputModeAsString()
                    + "; only File runs locally");
        }
        if (s3.s3CompressionType() != null && !"None".equals(s3.s3CompressionTypeAsString())) {
            throw new IllegalStateException("input " + input.inputName() + " is compressed (" + s3.s3CompressionTypeAsString()
                    + "); only None runs locally");
        }
        Path dir = ContainerPaths.local(optMl, s3.localPath());
        if (manifest) {
            createDirectories(dir);
            context.s3().downloadManifest(S3Uri.parse(s3.s3Uri()), dir);
        } else if (SHARDED.equals(s3.s3DataDistributionTypeAsString())) {
            // SageMaker gives an instance whose share is empty an empty directory.
            createDirectories(dir);
            context.s3().downloadPrefix(S3Uri.parse(s3.s3Uri()), dir, rank, instances);
        } else {
            context.s3().downloadPrefix(S3Uri.parse(s3.s3Uri()), dir);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The command as the console shows it: program names without directories, job paths as /opt/ml. */
    static List<String> displayCommand(List<String> command, Path jobDir) {
        List<String> shown = new ArrayList<>();
        String optMl = jobDir.resolve("opt_ml").toString();
        for (int i = 0; i < command.size(); i++) {
            String part = command.get(i);
            if (part.startsWith(optMl)) {
                shown.add(ContainerPaths.OPT_ML + part.substring(optMl.length()));
            } else if (i < 2 && part.startsWith("/")) {
                shown.add(Path.of(part).getFileName().toString());
            } else {
                shown.add(part);
            }
        }
        return shown;
    }
}
