package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeploySettings;

import static io.lgbmops.deploy.DeployFixture.BUCKET;
import static io.lgbmops.deploy.DeployFixture.ENDPOINT;
import static io.lgbmops.deploy.DeployFixture.approvedEvent;
import static io.lgbmops.deploy.DeployFixture.invoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/** The monitoring pipeline's and the drift rule's operations, against the emulator. */
class MonitorOperationsIntegrationTest {

    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private static final String NAMESPACE = "LgbmOps/Monitoring";
    private static final String PIPELINE = "lgbm-census-pipeline";
    private static final Map<String, String> MONITORING = Map.of(
            "DATA_CAPTURE_SAMPLING_PERCENT", "25", "DATA_CAPTURE_S3_URI", "s3://" + BUCKET + "/datacapture",
            "METRICS_NAMESPACE", NAMESPACE, "TRAINING_PIPELINE_NAME", PIPELINE, "RETRAIN_MIN_HOURS", "24");

    private final DeployFixture fixture = EMULATOR.fixture();

    @Test
    void describeLive_afterADeploy_namesTheLiveArtifactCapturePrefixAndWindow() {
        DeployHandler handler = fixture.handler(MONITORING);
        JsonNode deployed = invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));

        JsonNode live = invoke(handler, "{\"operation\": \"describe-live\", \"window_start\": \"\","
                + " \"window_end\": \"2026-12-01T12:00:00+01:00\", \"window_hours\": \"6\"}");

        assertEquals(DeployFixture.MODEL_DATA, live.path("model_data_url").asText(), live::toString);
        assertEquals("s3://" + BUCKET + "/monitoring/capture-manifests/" + ENDPOINT + "/20261201T050000Z-20261201T110000Z.json",
                live.path("capture_uri").asText());
        assertEquals(deployed.path("model_name").asText(), live.path("model_name").asText(), deployed::toString);
        assertTrue(live.path("model_package_arn").asText().endsWith("/1"), live::toString);
        assertEquals("2026-12-01T05:00:00Z", live.path("window_start").asText());
        assertEquals("2026-12-01T11:00:00Z", live.path("window_end").asText());
    }

    @Test
    void describeLive_withCaptures_writesAManifestOfTheWindowsHoursAndTheHourBefore() throws Exception {
        DeployHandler handler = fixture.handler(MONITORING);
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        String variant = "datacapture/" + ENDPOINT + "/AllTraffic/";
        for (String hour : List.of("2026/12/01/03", "2026/12/01/04", "2026/12/01/05", "2026/12/01/10", "2026/12/01/11")) {
            fixture.direct.s3().putObject(r -> r.bucket(BUCKET).key(variant + hour + "/00-00-000-a.jsonl"),
                    RequestBody.fromString("{}\n"));
        }
        fixture.direct.s3().putObject(r -> r.bucket(BUCKET).key("datacapture/other-endpoint/AllTraffic/2026/12/01/05/x.jsonl"),
                RequestBody.fromString("{}\n"));

        JsonNode live = invoke(handler, "{\"operation\": \"describe-live\", \"window_start\": \"2026-12-01T05:30:00Z\","
                + " \"window_end\": \"2026-12-01T11:00:00Z\", \"window_hours\": 24}");

        JsonNode manifest = readJson(live.path("capture_uri").asText());
        assertEquals("s3://" + BUCKET + "/" + variant, manifest.get(0).path("prefix").asText(), manifest::toString);
        // 04: the hour before the start, for records filed late; 03 and 11 lie outside; 11:00 is the (exclusive) end.
        assertEquals(List.of("2026/12/01/04/00-00-000-a.jsonl", "2026/12/01/05/00-00-000-a.jsonl",
                "2026/12/01/10/00-00-000-a.jsonl"), entries(manifest));
    }

    @Test
    void describeLive_withNoCaptureInTheWindow_listsTheNoCapturesMarker() throws Exception {
        DeployHandler handler = fixture.handler(MONITORING);
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        fixture.direct.s3().putObject(r -> r.bucket(BUCKET)
                        .key("datacapture/" + ENDPOINT + "/AllTraffic/2026/11/01/05/00-00-000-old.jsonl"),
                RequestBody.fromString("{}\n"));

        JsonNode live = invoke(handler, "{\"operation\": \"describe-live\", \"window_start\": \"2026-12-01T05:00:00Z\","
                + " \"window_end\": \"2026-12-01T11:00:00Z\", \"window_hours\": 24}");

        JsonNode manifest = readJson(live.path("capture_uri").asText());
        assertEquals("s3://" + BUCKET + "/pipeline-settings/", manifest.get(0).path("prefix").asText(), manifest::toString);
        assertEquals(List.of(io.lgbmops.pipeline.deploy.CaptureManifest.NO_CAPTURES_MARKER), entries(manifest));
    }

    private JsonNode readJson(String uri) throws Exception {
        String path = uri.substring(("s3://" + BUCKET + "/").length());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                fixture.direct.s3().getObjectAsBytes(r -> r.bucket(BUCKET).key(path)).asByteArray());
    }

    private static List<String> entries(JsonNode manifest) {
        List<String> entries = new java.util.ArrayList<>();
        for (int i = 1; i < manifest.size(); i++) {
            entries.add(manifest.get(i).asText());
        }
        return entries;
    }

    @Test
    void describeLive_withoutBounds_coversTheLastWindowHoursUpToNow() {
        DeployHandler handler = fixture.handler(MONITORING);
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        JsonNode live = invoke(handler, "{\"operation\": \"describe-live\", \"window_hours\": 24}");

        Instant end = Instant.parse(live.path("window_end").asText());
        assertTrue(!end.isBefore(before) && !end.isAfter(Instant.now()), live::toString);
        assertEquals(end.minus(Duration.ofHours(24)), Instant.parse(live.path("window_start").asText()));
    }

    @Test
    void describeLive_whenNoEndpoint_failsNamingIt() {
        DeployFailedException error = assertThrows(DeployFailedException.class, () -> invoke(fixture.handler(MONITORING),
                "{\"operation\": \"describe-live\", \"window_hours\": 24}"));

        assertTrue(error.getMessage().contains("endpoint " + ENDPOINT + " does not exist"), error.getMessage());
    }

    @Test
    void describeLive_whenWindowEndsBeforeItStarts_isInvalidNamingTheField() {
        InvalidEventException error = assertThrows(InvalidEventException.class, () -> invoke(fixture.handler(MONITORING),
                "{\"operation\": \"describe-live\", \"window_start\": \"2026-12-02T00:00:00Z\","
                        + " \"window_end\": \"2026-12-01T00:00:00Z\", \"window_hours\": 24}"));

        assertEquals("window_start", error.field());
    }

    @Test
    void publishMetrics_whenTheMonitorWroteFigures_theyArriveInCloudWatch() {
        String key = "pipeline-runs/execution-1/Monitor/monitor/metrics.json";
        Instant at = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
        fixture.direct.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString("["
                + datum("MaxFeaturePSI", "0.42", ENDPOINT, at, "") + ","
                + datum("FeaturePSI", "0.42", ENDPOINT, at, ", {\"Name\": \"Feature\", \"Value\": \"age\"}") + ","
                + datum("CapturedRows", "1200", ENDPOINT, at, "") + "]"));

        JsonNode result = invoke(fixture.handler(MONITORING),
                "{\"operation\": \"publish-metrics\", \"metrics_uri\": \"s3://" + BUCKET + "/" + key + "\"}");

        assertEquals("3", result.path("published").asText(), result::toString);
        assertEquals(0.42, published("MaxFeaturePSI", Map.of("EndpointName", ENDPOINT), at), 1e-9);
        assertEquals(0.42, published("FeaturePSI", orderedDimensions("EndpointName", ENDPOINT, "Feature", "age"), at), 1e-9);
        assertEquals(1200, published("CapturedRows", Map.of("EndpointName", ENDPOINT), at), 1e-9);
    }

    @Test
    void publishMetrics_whenAFigureNamesAnotherEndpoint_publishesNothing() {
        String key = "pipeline-runs/execution-2/Monitor/monitor/metrics.json";
        Instant at = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        fixture.direct.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString("["
                + datum("PredictionPSI", "0.1", ENDPOINT, at, "") + ","
                + datum("PredictionPSI", "0.9", "someone-elses", at, "") + "]"));

        DeployFailedException error = assertThrows(DeployFailedException.class, () -> invoke(fixture.handler(MONITORING),
                "{\"operation\": \"publish-metrics\", \"metrics_uri\": \"s3://" + BUCKET + "/" + key + "\"}"));

        assertTrue(error.getMessage().contains("[1].Dimensions must name EndpointName " + ENDPOINT), error.getMessage());
        assertEquals(0, countPutMetricData());
    }

    @Test
    void retrain_whenTheAlarmFlaps_startsOneExecutionPerInterval() {
        fixture.direct.sageMaker().createPipeline(r -> r.pipelineName(PIPELINE).roleArn(DeployFixture.ROLE)
                .pipelineDefinition("{\"Version\": \"2020-12-01\", \"Steps\": []}").clientRequestToken("a".repeat(32)));
        DeployHandler handler = fixture.handler(MONITORING);
        String alarm = "{\"operation\": \"retrain\", \"reason\": \"" + ENDPOINT + "-max-feature-psi\"}";

        JsonNode first = invoke(handler, alarm);
        JsonNode second = invoke(handler, alarm);
        JsonNode third = invoke(handler, alarm);

        assertEquals("RETRAIN_STARTED", first.path("status").asText(), first::toString);
        assertEquals("RETRAIN_SKIPPED", second.path("status").asText(), second::toString);
        assertEquals("RETRAIN_SKIPPED", third.path("status").asText(), third::toString);
        assertEquals(first.path("pipeline_execution_arn"), second.path("pipeline_execution_arn"));
        assertEquals(1, executions());

        // A day later the same alarm may retrain again.
        MonitorOperations later = new MonitorOperations(
                DeployContext.of(fixture.viaProxy, config(MONITORING), DeployFixture.JSON, System.out),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(25)));
        Map<String, String> fourth = later.handle(new MonitorRequest.Retrain("again"));
        assertEquals("RETRAIN_STARTED", fourth.get("status"), fourth::toString);
        assertEquals(2, executions());
    }

    @Test
    void retrain_whenTheStageDoesNotRetrain_isRefusedNamingTheSetting() {
        Map<String, String> env = new HashMap<>(MONITORING);
        env.remove("TRAINING_PIPELINE_NAME");

        DeployFailedException error = assertThrows(DeployFailedException.class,
                () -> invoke(fixture.handler(env), "{\"operation\": \"retrain\"}"));

        assertTrue(error.getMessage().contains("TRAINING_PIPELINE_NAME is unset"), error.getMessage());
    }

    private static DeploySettings config(Map<String, String> overrides) {
        Map<String, String> env = DeployFixture.environment();
        env.putAll(overrides);
        return DeploySettings.fromEnvironment(env);
    }

    private int executions() {
        return fixture.direct.sageMaker().listPipelineExecutions(r -> r.pipelineName(PIPELINE))
                .pipelineExecutionSummaries().size();
    }

    private long countPutMetricData() {
        return fixture.proxy.calls().stream()
                .filter(c -> new String(c.body(), StandardCharsets.UTF_8).contains("Action=PutMetricData")).count();
    }

    private static String datum(String name, String value, String endpoint, Instant at, String moreDimensions) {
        return "{\"MetricName\": \"" + name + "\", \"Dimensions\": [{\"Name\": \"EndpointName\", \"Value\": \""
                + endpoint + "\"}" + moreDimensions + "], \"Value\": " + value + ", \"Unit\": \"None\","
                + " \"Timestamp\": \"" + at + "\"}";
    }

    private static Map<String, String> orderedDimensions(String... namesAndValues) {
        Map<String, String> dimensions = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            dimensions.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return dimensions;
    }

    private double published(String metric, Map<String, String> dimensions, Instant at) {
        List<MetricDataResult> results = fixture.direct.cloudWatch().getMetricData(r -> r
                .startTime(at.minus(Duration.ofMinutes(10))).endTime(at.plus(Duration.ofMinutes(10)))
                .metricDataQueries(q -> q.id("m").metricStat(s -> s.period(60).stat("Maximum")
                        .metric(m -> m.namespace(NAMESPACE).metricName(metric).dimensions(dimensions.entrySet().stream()
                                .map(d -> software.amazon.awssdk.services.cloudwatch.model.Dimension.builder()
                                        .name(d.getKey()).value(d.getValue()).build()).toList())))))
                .metricDataResults();
        assertEquals(1, results.get(0).values().size(), () -> metric + " " + results);
        return results.get(0).values().get(0);
    }
}
