package io.lgbmops.deploy;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The AWS API emulator (moto in server mode) as a child process on a free 127.0.0.1 port.
 * One per test class, started, reset before each test and closed by {@link EmulatorExtension}
 * (through {@link DeployFixture}); a shutdown hook stops it if the JVM exits first.
 *
 * <p>The virtualenv is {@code -Dvenv.dir} (set by the build), else {@code LGBMOPS_VENV}, else
 * the first {@code .venv} found walking up from the working directory.
 */
public final class MotoServer implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final HttpClient http;
    private final Thread shutdownHook;

    private MotoServer(Process process, int port, HttpClient http) {
        this.process = process;
        this.port = port;
        this.http = http;
        this.shutdownHook = new Thread(this::stopProcess, "moto-server-stop-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts moto_server and returns once it answers HTTP. */
    public static MotoServer start() {
        Path executable = venv().resolve("bin").resolve("moto_server");
        if (!Files.isExecutable(executable)) {
            throw new IllegalStateException("moto_server not found at " + executable
                    + "; create the project virtualenv with: python3 test/python_env.py .venv");
        }
        int port = freePort();
        Path logFile = logDirectory().resolve("moto-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                executable.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)))
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        builder.environment().put("PYTHONUNBUFFERED", "1");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + executable, e);
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        MotoServer server = new MotoServer(process, port, http);
        server.awaitReady(logFile);
        return server;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Forgets every resource of every service (moto's {@code POST /moto-api/reset}). */
    public void reset() {
        HttpRequest request = HttpRequest.newBuilder(endpoint().resolve("/moto-api/reset"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("moto reset answered HTTP " + response.statusCode());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("moto reset failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resetting moto", e);
        }
    }

    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or has run; the process is stopped either way.
        }
    }

    private void awaitReady(Path logFile) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(endpoint().resolve("/moto-api/"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + "; see " + logFile);
            }
            try {
                http.send(probe, HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException notYet) {
                sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for moto", e);
            }
        }
        close();
        throw new IllegalStateException("moto_server did not answer within " + STARTUP_TIMEOUT + "; see " + logFile);
    }

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static Path venv() {
        String property = System.getProperty("venv.dir");
        if (property != null && !property.isBlank() && !property.contains("${")) {
            return Path.of(property);
        }
        String env = System.getenv("LGBMOPS_VENV");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".venv");
            if (Files.isDirectory(candidate.resolve("bin"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no virtualenv: set -Dvenv.dir or LGBMOPS_VENV");
    }

    private static Path logDirectory() {
        Path target = Path.of("target");
        try {
            Files.createDirectories(target);
            return target;
        } catch (IOException e) {
            return new File(System.getProperty("java.io.tmpdir")).toPath();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
