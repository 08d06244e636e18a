package io.lgbmops.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 */
final class ProcessingJobRunner {

    private static final Duration DEFAULT_MAX_RUNTIME = Duration.ofDays(1);

    /** The program to run and its extra environment, chosen once the inputs are in place. */
    record Launch(List<String> command, Map<String, String> environment) {}

    interface Launcher {
        Launch prepare(Path optMl, CreateProcessingJobRequest request) throws Exception;
    }

    record Outcome(
            String jobName,
            boolean completed,
            String failureReason,
            ObjectNode properties,
            ObjectNode details,
            Map<String, Double> metrics,
            Path optMl) {}

    private final RunContext context;

    ProcessingJobRunner(RunContext context) {
        this.context = context;
    }

    Outcome run(String stepName, ObjectNode arguments, CreateProcessingJobRequest request, Launcher launcher) throws Exception {
        String jobName = context.jobName(stepName, 63);
        Path jobDir = context.directory("jobs", jobName);
        Path optMl = Files.createDirectories(jobDir.resolve("opt_ml"));
        for (ProcessingInput input : request.processingInputs()) {
            download(input, optMl);
        }
        for (ProcessingOutput output : outputs(request)) {
            if (output.s3Output() == null) {
                throw new IllegalStateException("output " + output.outputName() + " is not an S3 output; only S3 outputs run locally");
            }
            Files.createDirectories(ContainerPaths.local(optMl, output.s3Output().localPath()));
        }
        Launch launch = launcher.prepare(optMl, request);
        context.console().stepDetail("job " + jobName + ": " + String.join(" ", displayCommand(launch.command(), jobDir)));
        Duration timeout = request.stoppingCondition() == null || request.stoppingCondition().maxRuntimeInSeconds() == null
                ? DEFAULT_MAX_RUNTIME : Duration.ofSeconds(request.stoppingCondition().maxRuntimeInSeconds());
        Instant started = Instant.now();
        Map<String, String> environment = new java.util.HashMap<>(request.environment());
        environment.putAll(launch.environment());
        ChildProcesses.Result result = context.processes().run(launch.command(),
                context.image().environment(optMl, environment), jobDir, jobDir.resolve("job.log"), timeout);

        ObjectNode properties = arguments.deepCopy();
        properties.put("ProcessingJobName", jobName);
        properties.put("ProcessingJobArn", context.arn("processing-job", jobName));
        properties.put("ProcessingStartTime", started.toString());
        Map<String, Double> metrics = ContainerPaths.printedMetrics(result.output());
        ObjectNode details = Json.object().put("jobName", jobName).put("log", result.log().toString());
        details.set("metrics", Json.MAPPER.valueToTree(metrics));
        if (!result.succeeded()) {
            String reason = JobFailures.reason(result, optMl.resolve("output/message"), timeout);
            properties.put("ProcessingJobStatus", "Failed").put("ExitMessage", reason);
            return new Outcome(jobName, false, "processing job " + jobName + " failed: " + reason, properties, details,
                    metrics, optMl);
        }
        int uploaded = 0;
        for (ProcessingOutput output : outputs(request)) {
            uploaded += context.s3().uploadDirectory(ContainerPaths.local(optMl, output.s3Output().localPath()),
                    S3Uri.parse(output.s3Output().s3Uri()));
        }
        details.put("uploadedFiles", uploaded);
        properties.put("ProcessingJobStatus", "Completed");
        properties.put("ProcessingEndTime", Instant.now().toString());
        return new Outcome(jobName, true, null, properties, details, metrics, optMl);
    }

    static List<ProcessingOutput> outputs(CreateProcessingJobRequest request) {
        return request.processingOutputConfig() == null ? List.of() : request.processingOutputConfig().outputs();
    }

    /** The local directory of the input named {@code inputName}. */
    static Path inputDir(Path optMl, CreateProcessingJobRequest request, String inputName) {
        return request.processingInputs().stream()
                .filter(input -> input.inputName().equals(inputName) && input.s3Input() != null)
                .findFirst()
                .map(input -> ContainerPaths.local(optMl, input.s3Input().localPath()))
                .orElseThrow(() -> new IllegalStateException("the job has no input named " + inputName));
    }

    private void download(ProcessingInput input, Path optMl) {
        ProcessingS3Input s3 = input.s3Input();
        if (s3 == null) {
            throw new IllegalStateException("input " + input.inputName() + " is not an S3 input; only S3 inputs run locally");
        }
        if (s3.s3DataType() != null && !"S3Prefix".equals(s3.s3DataTypeAsString())) {
            throw new IllegalStateException("input " + input.inputName() + " has S3DataType " + s3.s3DataTypeAsString()
                    + "; only S3Prefix runs locally");
        }
        if (s3.s3InputMode() != null && !"File".equals(s3.s3InputModeAsString())) {
            throw new IllegalStateException("input " + input.inputName() + " has S3InputMode " + s3.s3InputModeAsString()
                    + "; only File runs locally");
        }
        if (s3.s3CompressionType() != null && !"None".equals(s3.s3CompressionTypeAsString())) {
            throw new IllegalStateException("input " + input.inputName() + " is compressed (" + s3.s3CompressionTypeAsString()
                    + "); only None runs locally");
        }
        context.s3().downloadPrefix(S3Uri.parse(s3.s3Uri()), ContainerPaths.local(optMl, s3.localPath()));
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
