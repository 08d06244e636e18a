package io.lgbmops.local.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.expressions.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 *
 * <p>With {@code InstanceCount} n > 1 it starts n containers at once, hosts {@code algo-1} to
 * {@code algo-n}, each with its own {@code /opt/ml}: a {@code ShardedByS3Key} channel deals the
 * prefix's objects out to the hosts (in key order, one each in turn), a {@code FullyReplicated}
 * one gives every host all of them, and {@code resourceconfig.json} maps each host name to a
 * loopback port under {@link #ADDRESSES_KEY}, since the names resolve nowhere on this machine.
 * Like SageMaker, the job completes when every host does; the metrics are read from the first
 * host's log and the model from its {@code /opt/ml/model}.
 */
public final class TrainingJobRunner {

    /** Everything a training job needs, from a Training step or a tuning trial. */
    public record Job(
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
            Duration maxRuntime,
            int instanceCount) {

        public Job {
            if (instanceCount < 1) {
                throw new IllegalArgumentException("InstanceCount must be at least 1, got " + instanceCount);
            }
        }
    }

    /**
     * The key of {@code resourceconfig.json} under which the container finds each host's
     * {@code address:port} (the container's {@code lgbmops.distributed.ADDRESSES_KEY}).
     */
    static final String ADDRESSES_KEY = "lgbmops_addresses";
    static final String SHARDED = "ShardedByS3Key";

    /** How it went. {@code metrics} holds the last match of each metric definition. */
    public record Outcome(
            String jobName,
            boolean completed,
            String failureReason,
            String modelArtifacts,
            Map<String, Double> metrics,
            Instant startedAt,
            Duration duration,
            Path log) {

        public ObjectNode finalMetricDataList(ObjectNode properties) {
            var list = properties.putArray("FinalMetricDataList");
            metrics.forEach((name, value) -> list.addObject().put("MetricName", name).put("Value", value)
                    .put("Timestamp", startedAt.plus(duration).toString()));
            return properties;
        }
    }

    private final RunContext context;

    public TrainingJobRunner(RunContext context) {
        this.context = context;
    }

    public Outcome run(Job job, Map<String, String> extraEnvironment) throws IOException {
        Path jobDir = context.directory("jobs", job.jobName());
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= job.instanceCount(); i++) {
            hosts.add("algo-" + i);
        }
        ObjectNode addresses = Json.object();
        if (hosts.size() > 1) {
            hosts.forEach(host -> addresses.put(host, "127.0.0.1:" + freeLoopbackPort()));
        }
        List<Path> optMls = new ArrayList<>();
        for (int rank = 0; rank < hosts.size(); rank++) {
            // One host keeps the layout of a single-instance job: <job>/opt_ml.
            Path optMl = hosts.size() == 1 ? jobDir.resolve("opt_ml") : jobDir.resolve(hosts.get(rank)).resolve("opt_ml");
            prepareHost(job, optMl, hosts, rank, addresses);
            optMls.add(optMl);
        }

        List<String> command = job.containerEntrypoint().isEmpty()
                ? context.image().command(List.of("train"), job.containerArguments(), job.imageUri())
                : context.image().command(job.containerEntrypoint(), job.containerArguments(), job.imageUri());
        Map<String, String> environment = new LinkedHashMap<>(job.environment());
        environment.putAll(extraEnvironment);
        Instant started = Instant.now();
        List<ChildProcesses.Result> results = runHosts(command, environment, jobDir, optMls, job.maxRuntime());
        ChildProcesses.Result leader = results.get(0);
        Map<String, Double> metrics = metrics(job.metricDefinitions(), leader.output());

        if (job.checkpoint() != null && job.checkpoint().s3Uri() != null) {
            for (Path optMl : optMls) {
                context.s3().uploadDirectory(optMl.resolve("checkpoints"), S3Uri.parse(job.checkpoint().s3Uri()));
            }
        }
        for (int rank = 0; rank < results.size(); rank++) {
            ChildProcesses.Result result = results.get(rank);
            if (!result.succeeded()) {
                String reason = JobFailures.reason(result, optMls.get(rank).resolve("output/failure"), job.maxRuntime());
                if (hosts.size() > 1 && !reason.startsWith("host ")) {
                    reason = hosts.get(rank) + ": " + reason;
                }
                return new Outcome(job.jobName(), false, reason, null, metrics, started, leader.duration(), leader.log());
            }
        }
        Path tarball = jobDir.resolve("model.tar.gz");
        TarGz.pack(optMls.get(0).resolve("model"), tarball);
        S3Uri artifacts = S3Uri.parse(job.s3OutputPath()).resolve(job.jobName() + "/output/model.tar.gz");
        context.s3().upload(tarball, artifacts);
        return new Outcome(job.jobName(), true, null, artifacts.toString(), metrics, started, leader.duration(), leader.log());
    }

    private void prepareHost(Job job, Path optMl, List<String> hosts, int rank, ObjectNode addresses)
            throws IOException {
        Path config = Files.createDirectories(optMl.resolve("input/config"));
        Files.writeString(config.resolve("hyperparameters.json"), Json.write(job.hyperparameters()));
        ObjectNode resourceConfig = Json.object().put("current_host", hosts.get(rank));
        hosts.forEach(resourceConfig.putArray("hosts")::add);
        resourceConfig.put("network_interface_name", "lo");
        if (hosts.size() > 1) {
            resourceConfig.set(ADDRESSES_KEY, addresses);
        }
        Files.writeString(config.resolve("resourceconfig.json"), Json.write(resourceConfig));
        ObjectNode inputDataConfig = Json.object();
        for (Channel channel : job.channels()) {
            String distribution = distribution(channel);
            inputDataConfig.putObject(channel.channelName())
                    .put("TrainingInputMode", "File")
                    .put("S3DistributionType", distribution);
            Path dir = optMl.resolve("input/data").resolve(channel.channelName());
            if (SHARDED.equals(distribution)) {
                downloadChannel(channel, dir, rank, hosts.size());
            } else {
                downloadChannel(channel, dir, 0, 1);
            }
        }
        Files.writeString(config.resolve("inputdataconfig.json"), Json.write(inputDataConfig));
        Files.createDirectories(optMl.resolve("model"));
        Files.createDirectories(optMl.resolve("output/data"));
        Files.createDirectories(optMl.resolve("checkpoints"));
    }

    /** Starts every host at once and waits for all of them, within one deadline. */
    private List<ChildProcesses.Result> runHosts(List<String> command, Map<String, String> environment, Path jobDir,
                                                 List<Path> optMls, Duration maxRuntime) {
        if (optMls.size() == 1) {
            return List.of(context.processes().run(command, context.image().environment(optMls.get(0), environment),
                    jobDir, jobDir.resolve("job.log"), maxRuntime));
        }
        List<Path> logs = new ArrayList<>();
        List<Map<String, String>> environments = new ArrayList<>();
        for (int rank = 0; rank < optMls.size(); rank++) {
            // The first host's log is the job's log, as SageMaker's metrics are read from it.
            logs.add(rank == 0 ? jobDir.resolve("job.log") : jobDir.resolve("algo-" + (rank + 1) + ".log"));
            environments.add(context.image().environment(optMls.get(rank), environment));
        }
        return context.processes().runAll(java.util.Collections.nCopies(optMls.size(), command), environments, jobDir,
                logs, maxRuntime);
    }

    static String distribution(Channel channel) {
        S3DataSource source = channel.dataSource() == null ? null : channel.dataSource().s3DataSource();
        String distribution = source == null ? null : source.s3DataDistributionTypeAsString();
        return distribution == null ? "FullyReplicated" : distribution;
    }

    private static int freeLoopbackPort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
        }
    }

    private void downloadChannel(Channel channel, Path dir, int shard, int shards) throws IOException {
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
        context.s3().downloadPrefix(S3Uri.parse(source.s3Uri()), dir, shard, shards);
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
    public static Map<String, String> hyperparameters(com.fasterxml.jackson.databind.JsonNode json, String member) {
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
