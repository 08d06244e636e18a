package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.CaptureManifest;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.Variants;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.PipelineExecutionStatus;
import software.amazon.awssdk.services.sagemaker.model.PipelineExecutionSummary;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.SortOrder;
import software.amazon.awssdk.services.sagemaker.model.SortPipelineExecutionsBy;

/**
 * What the monitoring pipeline and the drift alarm rule ask of the function (see
 * {@link MonitorRequest}). Each result is a flat map of strings: the pipeline's Lambda steps read
 * them as output parameters.
 */
final class MonitorOperations {

    /** The variant whose model is compared with the captures: the champion, in every deployment mode. */
    static final String LIVE_VARIANT = Variants.CHAMPION;
    /** The dimension every published figure must carry, naming this function's endpoint. */
    static final String ENDPOINT_DIMENSION = "EndpointName";
    /** PutMetricData takes at most 1000 figures (and 1 MB) per call. */
    static final int METRICS_PER_CALL = 500;
    /** SageMaker files each capture under the hour it writes it: {@code yyyy/mm/dd/hh/}. */
    static final DateTimeFormatter HOUR_PATH = DateTimeFormatter.ofPattern("yyyy/MM/dd/HH/").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MANIFEST_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final DeployContext context;
    private final DataCapture capture;
    private final Clock clock;

    MonitorOperations(DeployContext context, Clock clock) {
        this.context = context;
        this.capture = new DataCapture(context.config());
        this.clock = clock;
    }

    Map<String, String> handle(MonitorRequest request) {
        if (request instanceof MonitorRequest.DescribeLive live) {
            return describeLive(live);
        }
        if (request instanceof MonitorRequest.PublishMetrics publish) {
            return publishMetrics(publish);
        }
        return retrain((MonitorRequest.Retrain) request);
    }

    // ---------------------------------------------------------------- describe-live

    private Map<String, String> describeLive(MonitorRequest.DescribeLive request) {
        String endpoint = context.config().endpointName();
        String capturePrefix = capture.endpointPrefix().orElseThrow(() -> new DeployFailedException(
                "describe-live: endpoint " + endpoint + " captures nothing (DATA_CAPTURE_S3_URI is unset), "
                        + "so there is nothing to monitor", null));
        String configName = AwsCalls.describe("describe endpoint " + endpoint,
                () -> context.sageMaker().describeEndpoint(r -> r.endpointName(endpoint)))
                .orElseThrow(() -> new DeployFailedException("describe-live: endpoint " + endpoint
                        + " does not exist, so no model is live to monitor", null))
                .endpointConfigName();
        DescribeEndpointConfigResponse endpointConfig = AwsCalls.call("describe endpoint config " + configName,
                () -> context.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(configName)));
        ProductionVariant live = endpointConfig.productionVariants().stream()
                .filter(v -> LIVE_VARIANT.equals(v.variantName())).findFirst()
                .orElseThrow(() -> new DeployFailedException("describe-live: endpoint config " + configName
                        + " has no variant " + LIVE_VARIANT, null));
        DescribeModelResponse model = AwsCalls.call("describe model " + live.modelName(),
                () -> context.sageMaker().describeModel(r -> r.modelName(live.modelName())));
        // The function creates models with Containers; a model created otherwise may have a PrimaryContainer.
        ContainerDefinition container = java.util.stream.Stream.concat(
                        java.util.stream.Stream.ofNullable(model.primaryContainer()), model.containers().stream())
                .filter(c -> c.modelPackageName() != null || c.modelDataUrl() != null).findFirst()
                .orElseThrow(() -> new DeployFailedException(
                        "describe-live: model " + live.modelName() + " has no container with a model", null));
        String packageArn = container.modelPackageName();
        String modelData = packageArn == null ? container.modelDataUrl()
                : AwsCalls.call("describe model package " + packageArn, () -> context.sageMaker()
                        .describeModelPackage(r -> r.modelPackageName(packageArn)))
                        .inferenceSpecification().containers().get(0).modelDataUrl();
        if (modelData == null || modelData.isBlank()) {
            throw new DeployFailedException("describe-live: model " + live.modelName() + " names no model artifact", null);
        }

        Instant end = request.windowEnd().orElse(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        Instant start = request.windowStart().orElse(end.minus(Duration.ofHours(request.windowHours())));
        if (!start.isBefore(end)) {
            throw new InvalidEventException("window_start", "must be before the window's end " + end + ", got " + start);
        }
        Map<String, String> result = new LinkedHashMap<>();
        result.put("endpoint_name", endpoint);
        result.put("variant_name", LIVE_VARIANT);
        result.put("model_name", live.modelName());
        result.put(DeployFunction.MODEL_PACKAGE_ARN, packageArn == null ? "" : packageArn);
        result.put("model_data_url", modelData);
        result.put("capture_uri", captureManifest(capturePrefix + LIVE_VARIANT + "/", start, end));
        result.put("window_start", start.toString());
        result.put("window_end", end.toString());
        return result;
    }

    /**
     * Writes the manifest of the variant's capture files of the window's hours, and of the hour
     * before it (a record is filed by the hour SageMaker writes it, which may follow its inference
     * time), and returns its URI: the Monitor step downloads those files, not the whole capture
     * history. With none, it lists the stack's no-captures marker, which the monitor reads as zero
     * captured rows: SageMaker would fail a job whose input is empty.
     */
    private String captureManifest(String variantPrefixUri, Instant start, Instant end) {
        S3Uri variantPrefix = S3Uri.parse(variantPrefixUri);
        List<String> keys = new ArrayList<>();
        for (Instant hour = start.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1)); hour.isBefore(end);
                hour = hour.plus(Duration.ofHours(1))) {
            String prefix = variantPrefix.key() + HOUR_PATH.format(hour);
            AwsCalls.call("list captures under s3://" + variantPrefix.bucket() + "/" + prefix, () -> {
                context.s3().listObjectsV2Paginator(r -> r.bucket(variantPrefix.bucket()).prefix(prefix)).contents()
                        .forEach(object -> keys.add(object.key()));
                return keys;
            });
        }
        List<String> entries = new ArrayList<>();
        String base;
        if (keys.isEmpty()) {
            String marker = CaptureManifest.noCapturesMarkerKey();
            base = "s3://" + variantPrefix.bucket() + "/" + marker.substring(0, marker.lastIndexOf('/') + 1);
            entries.add(marker.substring(marker.lastIndexOf('/') + 1));
        } else {
            base = variantPrefixUri;
            keys.stream().sorted().forEach(key -> entries.add(key.substring(variantPrefix.key().length())));
        }
        var manifest = context.mapper().createArrayNode();
        manifest.addObject().put("prefix", base);
        entries.forEach(manifest::add);
        String key = CaptureManifest.manifestPrefix(context.config().endpointName())
                + MANIFEST_TIME.format(start) + "-" + MANIFEST_TIME.format(end) + ".json";
        PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(variantPrefix.bucket()).key(key)
                .contentType("application/json");
        // The write bucket's policy refuses uploads not encrypted with the stage's key.
        context.config().kmsKeyId()
                .ifPresent(k -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
        byte[] body;
        try {
            body = context.mapper().writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new DeployFailedException("describe-live: cannot write the capture manifest: " + e.getMessage(), e);
        }
        AwsCalls.call("write the capture manifest s3://" + variantPrefix.bucket() + "/" + key,
                () -> context.s3().putObject(put.build(), RequestBody.fromBytes(body)));
        return "s3://" + variantPrefix.bucket() + "/" + key;
    }

    /** {@code <bucket>} and {@code <key>} of {@code s3://<bucket>/<key>}. */
    private record S3Uri(String bucket, String key) {
        static S3Uri parse(String uri) {
            int slash = uri.indexOf('/', "s3://".length());
            if (!uri.startsWith("s3://") || slash < 0) {
                throw new DeployFailedException("not an s3://<bucket>/<key> URI: " + uri, null);
            }
            return new S3Uri(uri.substring("s3://".length(), slash), uri.substring(slash + 1));
        }
    }

    // ---------------------------------------------------------------- publish-metrics

    private Map<String, String> publishMetrics(MonitorRequest.PublishMetrics request) {
        String namespace = context.config().metricsNamespace().orElseThrow(() -> new DeployFailedException(
                "publish-metrics: METRICS_NAMESPACE is unset, so this function publishes no figures", null));
        String uri = request.metricsUri();
        String bucket = uri.substring("s3://".length(), uri.indexOf('/', "s3://".length()));
        String key = uri.substring(uri.indexOf('/', "s3://".length()) + 1);
        GetObjectRequest get = GetObjectRequest.builder().bucket(bucket).key(key).build();
        byte[] body = AwsCalls.describe("read " + uri, () -> context.s3().getObjectAsBytes(get).asByteArray())
                .orElseThrow(() -> new DeployFailedException("publish-metrics: " + uri + " does not exist", null));
        List<MetricDatum> data = metricData(uri, body);
        for (int from = 0; from < data.size(); from += METRICS_PER_CALL) {
            List<MetricDatum> chunk = data.subList(from, Math.min(data.size(), from + METRICS_PER_CALL));
            AwsCalls.call("put metric data to " + namespace,
                    () -> context.cloudWatch().putMetricData(r -> r.namespace(namespace).metricData(chunk)));
        }
        Map<String, String> result = new LinkedHashMap<>();
        result.put("status", "PUBLISHED");
        result.put("namespace", namespace);
        result.put("published", Integer.toString(data.size()));
        return result;
    }

    /**
     * The file's CloudWatch MetricData entries ({@code MetricName}, {@code Dimensions},
     * {@code Value}, optional {@code Unit} and {@code Timestamp}); each must name this function's
     * endpoint, so a monitor job can never publish figures of another endpoint.
     */
    private List<MetricDatum> metricData(String uri, byte[] body) {
        JsonNode root;
        try {
            root = context.mapper().readTree(body);
        } catch (IOException e) {
            throw new DeployFailedException("publish-metrics: " + uri + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new DeployFailedException("publish-metrics: " + uri + " must hold a JSON list of MetricData entries", null);
        }
        List<MetricDatum> data = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode entry = root.get(i);
            String at = uri + " [" + i + "]";
            String name = entry.path("MetricName").asText("");
            if (name.isBlank()) {
                throw new DeployFailedException("publish-metrics: " + at + ".MetricName is required", null);
            }
            JsonNode value = entry.path("Value");
            if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
                throw new DeployFailedException("publish-metrics: " + at + ".Value must be a finite number, got " + value, null);
            }
            List<Dimension> dimensions = new ArrayList<>();
            for (JsonNode dimension : entry.path("Dimensions")) {
                dimensions.add(Dimension.builder().name(dimension.path("Name").asText())
                        .value(dimension.path("Value").asText()).build());
            }
            Optional<String> endpoint = dimensions.stream().filter(d -> ENDPOINT_DIMENSION.equals(d.name()))
                    .map(Dimension::value).findFirst();
            if (!endpoint.equals(Optional.of(context.config().endpointName()))) {
                throw new DeployFailedException("publish-metrics: " + at + ".Dimensions must name " + ENDPOINT_DIMENSION
                        + " " + context.config().endpointName() + ", got " + endpoint.orElse("none"), null);
            }
            MetricDatum.Builder datum = MetricDatum.builder().metricName(name).dimensions(dimensions)
                    .value(value.doubleValue());
            if (entry.hasNonNull("Unit")) {
                StandardUnit unit = StandardUnit.fromValue(entry.path("Unit").asText());
                if (unit == StandardUnit.UNKNOWN_TO_SDK_VERSION) {
                    throw new DeployFailedException("publish-metrics: " + at + ".Unit is not a CloudWatch unit: "
                            + entry.path("Unit").asText(), null);
                }
                datum.unit(unit);
            }
            if (entry.hasNonNull("Timestamp")) {
                try {
                    datum.timestamp(OffsetDateTime.parse(entry.path("Timestamp").asText()).toInstant());
                } catch (DateTimeParseException e) {
                    throw new DeployFailedException("publish-metrics: " + at + ".Timestamp must be ISO 8601 with a zone, got "
                            + entry.path("Timestamp").asText(), e);
                }
            }
            data.add(datum.build());
        }
        return data;
    }

    // ---------------------------------------------------------------- retrain

    /**
     * Starts the training pipeline, unless an execution is running or one started within
     * RETRAIN_MIN_HOURS: however often the drift alarm flaps, at most one retraining per interval.
     * The function runs one invocation at a time (reserved concurrency 1), so the check and the
     * start cannot interleave with another retrain; the idempotency token repeats within an
     * interval, so a redelivered event cannot start a second execution either.
     */
    private Map<String, String> retrain(MonitorRequest.Retrain request) {
        String pipeline = context.config().trainingPipelineName().orElseThrow(() -> new DeployFailedException(
                "retrain: TRAINING_PIPELINE_NAME is unset, so this stage does not retrain on drift", null));
        Instant now = clock.instant();
        Duration interval = Duration.ofHours(context.config().retrainMinHours());
        List<PipelineExecutionSummary> recent = AwsCalls.call("list executions of pipeline " + pipeline,
                () -> context.sageMaker().listPipelineExecutions(r -> r.pipelineName(pipeline)
                        .sortBy(SortPipelineExecutionsBy.CREATION_TIME).sortOrder(SortOrder.DESCENDING)
                        .maxResults(20))).pipelineExecutionSummaries();
        Optional<PipelineExecutionSummary> blocking = recent.stream()
                .filter(e -> e.pipelineExecutionStatus() == PipelineExecutionStatus.EXECUTING
                        || e.startTime() != null && e.startTime().isAfter(now.minus(interval)))
                .max(Comparator.comparing(e -> e.startTime() == null ? Instant.MIN : e.startTime()));
        Map<String, String> result = new LinkedHashMap<>();
        result.put("pipeline_name", pipeline);
        result.put("reason", request.reason());
        if (blocking.isPresent()) {
            PipelineExecutionSummary execution = blocking.get();
            result.put("status", "RETRAIN_SKIPPED");
            result.put("pipeline_execution_arn", execution.pipelineExecutionArn());
            result.put("detail", "execution " + execution.pipelineExecutionArn() + " is "
                    + execution.pipelineExecutionStatusAsString() + ", started " + execution.startTime()
                    + ", within RETRAIN_MIN_HOURS=" + context.config().retrainMinHours());
            return result;
        }
        String token = String.format("retrain-on-drift-%020d", now.getEpochSecond() / interval.toSeconds());
        String arn = AwsCalls.call("start pipeline " + pipeline, () -> context.sageMaker().startPipelineExecution(r -> r
                .pipelineName(pipeline)
                .pipelineExecutionDisplayName("retrain-on-drift")
                .pipelineExecutionDescription(truncate("Started by the drift alarm " + request.reason(), 3000))
                .clientRequestToken(token))).pipelineExecutionArn();
        result.put("status", "RETRAIN_STARTED");
        result.put("pipeline_execution_arn", arn);
        return result;
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
