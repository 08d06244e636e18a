package io.lgbmops.local.jobs;

import io.lgbmops.local.emulator.Emulator;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.expressions.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The container's {@code serve} on a model from S3, bound to a free 127.0.0.1 port: the local form
 * of an endpoint (and of the shadow endpoint a Clarify job starts).
 */
public final class ModelServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final URI url;
    private final Process process;
    private final ChildProcesses processes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ModelServer(URI url, Process process, ChildProcesses processes) {
        this.url = url;
        this.process = process;
        this.processes = processes;
    }

    /** Downloads and extracts {@code modelDataUrl} into {@code dir}/model and serves it. */
    public static ModelServer start(RunContext context, String modelDataUrl, Path dir) throws IOException {
        return start(context, modelDataUrl, dir, Map.of());
    }

    /**
     * As above, with {@code containerEnvironment} on top (a transform job's Environment and what
     * SageMaker adds to it, e.g. SAGEMAKER_MAX_PAYLOAD_IN_MB and SAGEMAKER_MODEL_SERVER_WORKERS).
     */
    public static ModelServer start(RunContext context, String modelDataUrl, Path dir, Map<String, String> containerEnvironment)
            throws IOException {
        Path optMl = Files.createDirectories(dir.resolve("opt_ml"));
        Path tarball = dir.resolve("model.tar.gz");
        context.s3().download(S3Uri.parse(modelDataUrl), tarball);
        TarGz.extract(tarball, optMl.resolve("model"));
        int port = Emulator.freePort();
        Map<String, String> serving = new java.util.HashMap<>(Map.of("SAGEMAKER_MODEL_SERVER_WORKERS", "1"));
        serving.putAll(containerEnvironment);
        serving.put("SAGEMAKER_BIND_TO_PORT", Integer.toString(port));
        serving.put("LGBMOPS_BIND_HOST", "127.0.0.1");
        Map<String, String> environment = context.image().environment(optMl, serving);
        List<String> command = context.image().command(List.of("serve"), List.of(), "local image");
        Process process = context.processes().start(command, environment, dir, dir.resolve("serve.log"));
        ModelServer server = new ModelServer(URI.create("http://127.0.0.1:" + port), process, context.processes());
        server.awaitReady(dir.resolve("serve.log"));
        return server;
    }

    public URI url() {
        return url;
    }

    public URI invocations() {
        return url.resolve("/invocations");
    }

    /** POSTs headerless CSV rows; returns the response body. */
    public String invokeCsv(String rows) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(invocations())
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/csv")
                .header("Accept", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(rows))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST /invocations answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** {@code GET /execution-parameters}: what the server tells batch transform about itself. */
    public com.fasterxml.jackson.databind.JsonNode executionParameters() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url.resolve("/execution-parameters"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /execution-parameters answered " + response.statusCode());
        }
        return Json.MAPPER.readTree(response.body());
    }

    private void awaitReady(Path log) throws IOException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("serve exited with status " + process.exitValue() + ": "
                        + tail(log));
            }
            if (Emulator.answers(url.resolve("/ping"))) {
                return;
            }
            Emulator.sleep(Duration.ofMillis(200));
        }
        processes.stop(process);
        throw new IllegalStateException("serve did not answer /ping within " + STARTUP.toSeconds() + " s: " + tail(log));
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    }

    @Override
    public void close() {
        processes.stop(process);
    }
}
