package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonitorPipelineTest {

    private static final boolean UPDATE = Boolean.getBoolean("snapshot.update");

    private static PipelineDefinition placeholder() {
        return MonitorPipeline.build(PipelineSettings.placeholders(), MonitorSettings.defaults());
    }

    private static JsonNode step(String name) {
        return Definitions.step(placeholder().toJsonNode(), name);
    }

    @Test
    void definition_whenBuiltFromPlaceholders_passesTheValidatorAndTheSchema() {
        assertEquals(List.of(), PipelineValidator.problems(placeholder()));
        assertEquals(List.of(), PipelineSchemaTest.errors(placeholder().toJsonNode()));
    }

    @Test
    void definition_always_runsDescribeLiveThenMonitorThenPublish() {
        List<String> names = new ArrayList<>();
        placeholder().allSteps().forEach(s -> names.add(s.name() + ":" + s.type()));

        assertEquals(List.of("DescribeLive:Lambda", "Monitor:Processing", "PublishMetrics:Lambda"), names);
        // The order comes from the data each step reads: no DependsOn is needed.
        assertTrue(step(MonitorPipeline.MONITOR).path("Arguments").path("ProcessingInputs").toString()
                .contains("Steps.DescribeLive.OutputParameters['capture_uri']"));
        assertTrue(step(MonitorPipeline.PUBLISH_METRICS).path("Arguments").path("metrics_uri").toString()
                .contains("Steps.Monitor.ProcessingOutputConfig.Outputs['monitor'].S3Output.S3Uri"));
    }

    @Test
    void noCapturesMarker_always_liesWithThePipelinesSettings() {
        // The stack uploads the marker with the other settings; the deploy function names it by this key.
        assertEquals(LightGbmPipeline.SETTINGS_PREFIX + "/" + io.lgbmops.pipeline.deploy.CaptureManifest.NO_CAPTURES_MARKER,
                io.lgbmops.pipeline.deploy.CaptureManifest.noCapturesMarkerKey());
    }

    @Test
    void monitorStep_always_readsTheLiveModelAndCapturesWithoutNetwork() {
        JsonNode job = step(MonitorPipeline.MONITOR).path("Arguments");

        assertTrue(job.path("NetworkConfig").path("EnableNetworkIsolation").asBoolean(), job::toString);
        assertEquals("monitor", job.path("AppSpecification").path("ContainerEntrypoint").get(0).asText());
        List<String> inputs = new ArrayList<>();
        job.path("ProcessingInputs").forEach(i -> inputs.add(i.path("InputName").asText() + ":"
                + i.path("S3Input").path("S3DataType").asText() + "->" + i.path("S3Input").path("LocalPath").asText()));
        // The captures come as describe-live's manifest of the window's files, not the whole capture prefix.
        assertEquals(List.of("capture:ManifestFile->/opt/ml/processing/input/capture",
                "model:S3Prefix->/opt/ml/processing/input/model"), inputs);
        assertEquals("/opt/ml/processing/output/monitor",
                job.path("ProcessingOutputConfig").path("Outputs").get(0).path("S3Output").path("LocalPath").asText());
        List<String> flags = new ArrayList<>();
        job.path("AppSpecification").path("ContainerArguments").forEach(a -> {
            if (a.isTextual() && a.asText().startsWith("--")) {
                flags.add(a.asText());
            }
        });
        assertEquals(List.of("--window-start", "--window-end", "--min-rows", "--endpoint-name", "--psi-alarm"), flags);
    }

    @Test
    void parameters_always_defaultToTheLastWindowHours() {
        PipelineDefinition definition = MonitorPipeline.build(PipelineSettings.placeholders(),
                new MonitorSettings(6, 500, 0.25));

        assertEquals("", definition.parameter(MonitorPipeline.WINDOW_START).orElseThrow().defaultValue());
        assertEquals("", definition.parameter(MonitorPipeline.WINDOW_END).orElseThrow().defaultValue());
        assertEquals(6, definition.parameter(MonitorPipeline.WINDOW_HOURS).orElseThrow().defaultValue());
        assertEquals(500, definition.parameter(MonitorPipeline.MIN_CAPTURED_ROWS).orElseThrow().defaultValue());
        assertEquals(0.25, definition.parameter(MonitorPipeline.PSI_ALARM).orElseThrow().defaultValue());
    }

    @Test
    void failsSettings_whenOutOfRange_namingEveryProblem() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new MonitorSettings(0, 0, 0));

        assertEquals("windowHours must be in [1, 24], got 0; minCapturedRows must be at least 1, got 0;"
                + " psiAlarm must be in (0, 10], got 0.0", error.getMessage());
    }

    @Test
    void snapshot_whenGeneratedFromPlaceholders_equalsTheReviewedFile() throws IOException {
        Path snapshot = Definitions.moduleDirectory().resolve("src/test/resources/snapshot/monitor-pipeline-definition.json");
        String generated = placeholder().toJson();
        if (UPDATE) {
            Files.writeString(snapshot, generated, StandardCharsets.UTF_8);
        }
        assertEquals(Files.exists(snapshot) ? Files.readString(snapshot, StandardCharsets.UTF_8) : "", generated,
                snapshot + " differs; if intended, run mvn -pl pipeline-spec test -Dsnapshot.update=true and review the diff");
    }
}
