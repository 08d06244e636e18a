package io.lgbmops.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.deploy.MotoServer;
import io.lgbmops.local.RunnerJar.Run;
import io.lgbmops.local.expressions.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Monitoring end to end, as a user runs it from the synthesized app: a training run deploys the
 * model to the emulator (its smoke test leaves capture files), a shifted sample of requests is
 * captured the way SageMaker writes captures, and a monitoring run ({@code --pipeline monitor})
 * finds the live model, reports the drift and publishes the figures to the emulator's CloudWatch.
 * Before that, a window the endpoint captured nothing in: describe-live's manifest lists the
 * no-captures marker and the run reports insufficient data with CapturedRows 0; and the stage's
 * batch pipeline, read from the same app's -Batch stack, scores rows with the approved package.
 */
class MonitorPipelineRunIT {

    private static final long TIMEOUT_MINUTES = 8;
    private static final String ENDPOINT = "lgbmops-dev-endpoint";
    private static final String NAMESPACE = "LgbmOps/Monitoring";

    private static RunnerJar runner;
    private static Path root;

    @TempDir
    static Path tmp;
    private static Path cdkOut;

    @BeforeAll
    static void synthesizeTheApp() throws Exception {
        runner = RunnerJar.built(TIMEOUT_MINUTES);
        root = runner.root();
        Path infra = root.resolve("infra/target/infra.jar");
        assertTrue(Files.isRegularFile(infra), infra + " is missing: infra's package phase builds it");
        cdkOut = tmp.resolve("cdk.out");
        ObjectNode context = (ObjectNode) Json.read(root.resolve("cdk.json")).path("context");
        context.put("stage", "dev");
        ProcessBuilder synth = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", infra.toString()).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("synth.log").toFile());
        synth.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("CDK_"));
        synth.environment().put("CDK_OUTDIR", cdkOut.toString());
        synth.environment().put("CDK_CONTEXT_JSON", Json.write(context));
        Process process = synth.start();
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "synth did not finish");
        assertEquals(0, process.exitValue(), Files.readString(tmp.resolve("synth.log")));
    }

    @Test
    void monitor_whenTheCapturedRequestsAreShifted_reportsDriftAndPublishesTheFigures() throws Exception {
        try (MotoServer moto = MotoServer.start();
             io.lgbmops.deploy.AwsClients aws = io.lgbmops.deploy.AwsClients.forEndpoint(moto.endpoint(), Region.US_EAST_1,
                     StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))) {
            Run train = run(moto.endpoint(), "train", "train", "--param", "F1Threshold=0.6", "--param", "ModelApprovalStatus=Approved",
                    "--param", "MinDisparateImpact=0.2", "--param", "MaxAbsDPPL=0.3",
                    "--param", "MaxTuningJobs=2", "--param", "MaxParallelTuningJobs=2", "--smoke-rows", "5");
            assertEquals(0, train.exitCode(), train.output());
            String writeBucket = train.summary().at("/smokeTest/modelDataUrl").asText().split("/")[2];
            String capturePrefix = "datacapture/" + ENDPOINT + "/AllTraffic/";
            // The smoke test's requests, captured as SageMaker would have.
            assertTrue(keys(aws, writeBucket, capturePrefix).stream().anyMatch(k -> k.endsWith(".jsonl")), train.output());

            // The stage's batch pipeline from the same app: its -Batch stack's definition, the deploy
            // function's environment from the template, and the package the training run approved.
            Path toScore = sample(aws, writeBucket, 300, false, "to-score.csv");
            Run batch = run(moto.endpoint(), "batch", "batch", "--data", toScore.toString(), "--param", "TopK=10");
            assertEquals(0, batch.exitCode(), batch.output());
            assertEquals("lgbmops-dev-batch", batch.summary().path("pipelineName").asText(), batch.output());
            JsonNode resolve = batch.step("ResolvePackage").path("details");
            assertEquals("lgbmops-dev-models", resolve.at("/environment/MODEL_PACKAGE_GROUP_NAME").asText(), resolve.toString());
            assertEquals(ENDPOINT, resolve.at("/environment/ENDPOINT_NAME").asText(), "the template's, not derived");
            assertTrue(resolve.at("/result/ModelPackageArn").asText().contains(":model-package/lgbmops-dev-models/"),
                    resolve.toString());
            JsonNode selection = batch.summary().path("selection");
            assertEquals(300, selection.path("rows_scored").asInt(), selection.toString());
            assertEquals(0, selection.path("bad_rows").asInt(), selection.toString());
            assertEquals(10, selection.path("rows_selected").asInt(), selection.toString());

            // A window in which the endpoint captured nothing: a report that says so, and CapturedRows 0.
            Instant quietEnd = Instant.parse("2026-01-01T06:00:00Z");
            Run quiet = run(moto.endpoint(), "monitor", "quiet", "--param", "WindowStart=2026-01-01T00:00:00Z",
                    "--param", "WindowEnd=" + quietEnd);
            assertEquals(0, quiet.exitCode(), quiet.output());
            assertEquals("Succeeded", quiet.summary().path("status").asText(), quiet.output());
            JsonNode quietDrift = drift(aws, writeBucket, quiet);
            assertEquals("insufficient_data", quietDrift.path("status").asText(), quietDrift.toString());
            assertEquals(0, quietDrift.at("/rows/files").asInt(), quietDrift.toString());
            assertEquals(0, quietDrift.at("/rows/decoded").asInt(), quietDrift.toString());
            assertEquals(0.0, published(aws, "CapturedRows", quietEnd, Map.of("EndpointName", ENDPOINT)), 1e-9);
            assertNothingPublished(aws, "MaxFeaturePSI", quietEnd);

            Path shifted = sample(aws, writeBucket, 1500, true, "shifted.csv");
            Path captures = tmp.resolve("shifted-capture");
            Process writer = new ProcessBuilder(root.resolve(".venv/bin/python").toString(), "-m", "lgbmops.monitor.capture",
                    "--rows", shifted.toString(), "--output", captures.toString(), "--endpoint-name", ENDPOINT,
                    "--start", Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS).toString(),
                    "--rows-per-request", "5", "--seconds-between", "2")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("capture.log").toFile()).start();
            assertTrue(writer.waitFor(2, TimeUnit.MINUTES));
            assertEquals(0, writer.exitValue(), Files.readString(tmp.resolve("capture.log")));
            try (var files = Files.walk(captures)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    aws.s3().putObject(r -> r.bucket(writeBucket).key("datacapture/"
                            + captures.relativize(file).toString().replace('\\', '/')), RequestBody.fromFile(file));
                }
            }

            Run monitor = run(moto.endpoint(), "monitor", "shifted");

            assertEquals(0, monitor.exitCode(), monitor.output());
            assertEquals("Succeeded", monitor.summary().path("status").asText(), monitor.output());
            JsonNode drift = drift(aws, writeBucket, monitor);
            assertEquals("ok", drift.path("status").asText(), drift.toString());
            List<String> drifted = new ArrayList<>();
            drift.path("drifted_features").forEach(f -> drifted.add(f.asText()));
            assertTrue(drifted.contains("age"), "age +15 years is drift: " + drifted);
            assertTrue(drift.path("unseen_category_rate").asDouble() > 0, "a renamed category is unseen: " + drift);
            double maxPsi = drift.path("max_feature_psi").asDouble();
            assertTrue(maxPsi > 0.2, "max PSI " + maxPsi);

            Instant end = Instant.parse(drift.at("/window/end").asText());
            assertEquals(maxPsi, published(aws, "MaxFeaturePSI", end, Map.of("EndpointName", ENDPOINT)), 1e-9);
            assertTrue(published(aws, "CapturedRows", end, Map.of("EndpointName", ENDPOINT)) >= 1500);
        }
    }

    /**
     * Rows of the test split the training run wrote, features only (what the endpoint takes);
     * {@code shifted}: age +15 years and "Private" renamed.
     */
    private Path sample(io.lgbmops.deploy.AwsClients aws, String bucket, int count, boolean shifted, String name)
            throws IOException {
        String key = keys(aws, bucket, "pipeline-runs/").stream()
                .filter(k -> k.contains("/Preprocess/test/") && k.endsWith(".csv")).findFirst().orElseThrow();
        List<String> lines = aws.s3().getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String().lines().toList();
        List<String> header = Arrays.asList(lines.get(0).split(","));
        int age = header.indexOf("age");
        assertTrue(age > 0, "the test split's header names age after the label: " + header);
        List<String> rows = new ArrayList<>();
        for (String line : lines.subList(1, Math.min(lines.size(), count + 1))) {
            String[] values = line.split(",", -1);
            if (shifted) {
                values[age] = Integer.toString((int) Double.parseDouble(values[age]) + 15);
                for (int i = 1; i < values.length; i++) {
                    if (values[i].equals("Private")) {
                        values[i] = "Private-sector";
                    }
                }
            }
            rows.add(String.join(",", Arrays.copyOfRange(values, 1, values.length)));
        }
        Path file = tmp.resolve(name);
        Files.writeString(file, String.join("\n", rows) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** The run's drift.json, which its Monitor step wrote under the execution's run prefix. */
    private static JsonNode drift(io.lgbmops.deploy.AwsClients aws, String bucket, Run run) throws IOException {
        String key = "pipeline-runs/" + run.summary().path("executionId").asText() + "/Monitor/monitor/drift.json";
        assertTrue(keys(aws, bucket, key).contains(key), key + " is missing:\n" + run.output());
        return Json.read(aws.s3().getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String());
    }

    private static void assertNothingPublished(io.lgbmops.deploy.AwsClients aws, String metric, Instant at) {
        List<MetricDataResult> results = aws.cloudWatch().getMetricData(r -> r
                .startTime(at.minus(Duration.ofMinutes(10))).endTime(at.plus(Duration.ofMinutes(10)))
                .metricDataQueries(q -> q.id("m").metricStat(s -> s.period(60).stat("Maximum")
                        .metric(m -> m.namespace(NAMESPACE).metricName(metric)
                                .dimensions(Dimension.builder().name("EndpointName").value(ENDPOINT).build())))))
                .metricDataResults();
        assertTrue(results.get(0).values().isEmpty(), () -> metric + " was published for a window without captures: " + results);
    }

    private static List<String> keys(io.lgbmops.deploy.AwsClients aws, String bucket, String prefix) {
        return aws.s3().listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    private static double published(io.lgbmops.deploy.AwsClients aws, String metric, Instant at, Map<String, String> dimensions) {
        List<MetricDataResult> results = aws.cloudWatch().getMetricData(r -> r
                .startTime(at.minus(Duration.ofMinutes(10))).endTime(at.plus(Duration.ofMinutes(10)))
                .metricDataQueries(q -> q.id("m").metricStat(s -> s.period(60).stat("Maximum")
                        .metric(m -> m.namespace(NAMESPACE).metricName(metric).dimensions(dimensions.entrySet().stream()
                                .map(d -> Dimension.builder().name(d.getKey()).value(d.getValue()).build()).toList())))))
                .metricDataResults();
        assertEquals(1, results.get(0).values().size(), () -> metric + " was not published: " + results);
        return results.get(0).values().get(0);
    }

    /** {@code label} names the run's summary, log and work directory. */
    private Run run(URI emulator, String pipeline, String label, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--cdk-out", cdkOut.toString(), "--pipeline", pipeline,
                "--endpoint-url", emulator.toString()));
        args.addAll(List.of(extra));
        return runner.run(tmp, label, tmp.resolve("work-" + label), args);
    }
}
