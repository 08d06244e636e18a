package io.lgbmops.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.sagemaker.model.Channel;
import software.amazon.awssdk.services.sagemaker.model.CheckpointConfig;
import software.amazon.awssdk.services.sagemaker.model.MetricDefinition;
import software.amazon.awssdk.services.sagemaker.model.S3DataSource;

/**
 * One training job the way SageMaker runs it: hyperparameters (strings) and channels under
 * {@code /opt/ml/input}, the container's {@code train}, its log scanned with the metric
 * definitions, and {@code /opt/ml/model} packed to {@code <S3OutputPath>/<job>/output/model.tar.gz}.
 */
final class TrainingJobRunner {

    /** Everything a training job needs, from a Training step or a tuning trial. */
    record Job(
            String jobName,
            String imageUri,
            List<String> containerEntrypoint,
            List<String> containerArguments,
            Map<String, String> hyperparameters,
            List<Channel> channels,
            String s3OutputPath,
            List<MetricDefinition> metricDefinitions,
            CheckpointConfig checkpoint,
            Map<String, String> environment,
            Duration maxRuntime) {}

    /** How it went. {@code metrics} holds the last match of each metric definition. */
    record Outcome(
            String jobName,
            boolean completed,
            String failureReason,
            String modelArtifacts,
            Map<String, Double> metrics,
            Instant startedAt,
            Duration duration,
            Path log) {

        ObjectNode finalMetricDataList(ObjectNode properties) {
            var list = properties.putArray("FinalMetricDataList");
            metrics.forEach((name, value) -> list.addObject().put("MetricName", name).put("Value", value)
                    .put("Timestamp", startedAt.plus(duration).toString()));
            return properties;
        }
    }

    private final RunContext context;

    TrainingJobRunner(RunContext context) {
        this.context = context;
    }

    Outcome run(Job job, Map<String, String> extraEnvironment) throws IOException {
        Path jobDir = context.directory("jobs", job.jobName());
        Path optMl = Files.createDirectories(jobDir.resolve("opt_ml"));
        Path config = Files.createDirectories(optMl.resolve("input/config"));
        Files.writeString(config.resolve("hyperparameters.json"), Json.write(job.hyperparameters()));
        Files.writeString(config.resolve("resourceconfig.json"),
                "{\"current_host\": \"algo-1\", \"hosts\": [\"algo-1\"], \"network_interface_name\": \"lo\"}");
        ObjectNode inputDataConfig = Json.object();
        for (Channel channel : job.channels()) {
            inputDataConfig.putObject(channel.channelName())
                    .put("TrainingInputMode", "File")
                    .put("S3DistributionType", "FullyReplicated");
            downloadChannel(channel, optMl.resolve("input/data").resolve(channel.channelName()));
        }
        Files.writeString(config.resolve("inputdataconfig.json"), Json.write(inputDataConfig));
        Files.createDirectories(optMl.resolve("model"));
        Files.createDirectories(optMl.resolve("output/data"));
        Path checkpoints = optMl.resolve("checkpoints");
        Files.createDirectories(checkpoints);

        List<String> command = job.containerEntrypoint().isEmpty()
                ? context.image().command(List.of("train"), job.containerArguments(), job.imageUri())
                : context.image().command(job.containerEntrypoint(), job.containerArguments(), job.imageUri());
        Map<String, String> environment = new LinkedHashMap<>(job.environment());
        environment.putAll(extraEnvironment);
        Instant started = Instant.now();
        ChildProcesses.Result result = context.processes().run(command,
                context.image().environment(optMl, environment), jobDir, jobDir.resolve("job.log"), job.maxRuntime());
        String output = result.output();
        Map<String, Double> metrics = metrics(job.metricDefinitions(), output);

        if (job.checkpoint() != null && job.checkpoint().s3Uri() != null) {
            context.s3().uploadDirectory(checkpoints, S3Uri.parse(job.checkpoint().s3Uri()));
        }
        if (!result.succeeded()) {
            String reason = JobFailures.reason(result, optMl.resolve("output/failure"), job.maxRuntime());
            return new Outcome(job.jobName(), false, reason, null, metrics, started, result.duration(), result.log());
        }
        Path tarball = jobDir.resolve("model.tar.gz");
        TarGz.pack(optMl.resolve("model"), tarball);
        S3Uri artifacts = S3Uri.parse(job.s3OutputPath()).resolve(job.jobName() + "/output/model.tar.gz");
        context.s3().upload(tarball, artifacts);
        return new Outcome(job.jobName(), true, null, artifacts.toString(), metrics, started, result.duration(), result.log());
    }

    private void downloadChannel(Channel channel, Path dir) throws IOException {
        S3DataSource source = channel.dataSource() == null ? null : channel.dataSource().s3DataSource();
        if (source == null) {
            throw new IllegalStateException("channel " + channel.channelName() + " has no S3DataSource; only S3 channels run locally");
        }
        if (source.s3DataType() != null && !"S3Prefix".equals(source.s3DataTypeAsString())) {
            throw new IllegalStateException("channel " + channel.channelName() + " has S3DataType "
                    + source.s3DataTypeAsString() + "; only S3Prefix runs locally");
        }
        if (channel.inputMode() != null && !"File".equals(channel.inputModeAsString())) {
            throw new IllegalStateException("channel " + channel.channelName() + " has InputMode "
                    + channel.inputModeAsString() + "; only File runs locally");
        }
        Files.createDirectories(dir);
        context.s3().downloadPrefix(S3Uri.parse(source.s3Uri()), dir);
    }

    /** The last match of each metric definition's regex in the job's log, as SageMaker reports it. */
    static Map<String, Double> metrics(List<MetricDefinition> definitions, String log) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (MetricDefinition definition : definitions) {
            Matcher matcher = Pattern.compile(definition.regex()).matcher(log);
            String last = null;
            while (matcher.find()) {
                last = matcher.groupCount() >= 1 ? matcher.group(1) : matcher.group();
            }
            if (last != null) {
                try {
                    metrics.put(definition.name(), Double.parseDouble(last));
                } catch (NumberFormatException e) {
                    // SageMaker drops a match that is not a number
                }
            }
        }
        return metrics;
    }

    /** Hyperparameter values must be strings in the API; a number is a definition error. */
    static Map<String, String> hyperparameters(com.fasterxml.jackson.databind.JsonNode json, String member) {
        Map<String, String> values = new LinkedHashMap<>();
        if (json == null || json.isMissingNode() || json.isNull()) {
            return values;
        }
        json.properties().forEach(field -> {
            if (!field.getValue().isTextual()) {
                throw new IllegalArgumentException(member + "." + field.getKey()
                        + " must be a string, as the SageMaker API requires, got " + field.getValue());
            }
            values.put(field.getKey(), field.getValue().asText());
        });
        return values;
    }
}
