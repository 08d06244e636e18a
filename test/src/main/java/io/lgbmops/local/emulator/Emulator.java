package io.lgbmops.local.emulator;

import io.lgbmops.local.jobs.ChildProcesses;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The local AWS API emulator: moto in server mode on a free 127.0.0.1 port, started from the
 * project virtualenv, or an already running one the user points at.
 */
public final class Emulator implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final URI endpoint;
    private final Process process;
    private final ChildProcesses processes;
    private boolean kept;

    private Emulator(URI endpoint, Process process, ChildProcesses processes) {
        this.endpoint = endpoint;
        this.process = process;
        this.processes = processes;
    }

    /** An emulator someone else started and stops. */
    public static Emulator external(URI endpoint) {
        AwsClients.requireLoopback(endpoint);
        return new Emulator(endpoint, null, null);
    }

    public static Emulator start(Path venv, ChildProcesses processes, Path logDir) {
        Path executable = venv.resolve("bin").resolve("moto_server");
        if (!Files.isExecutable(executable)) {
            throw new IllegalStateException("no moto_server in " + venv + "/bin; create the virtualenv with "
                    + "`python3 test/python_env.py .venv`");
        }
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Process process = processes.start(
                List.of(executable.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)),
                Map.of(), logDir, logDir.resolve("moto_server.log"));
        Emulator emulator = new Emulator(endpoint, process, processes);
        emulator.awaitReady();
        return emulator;
    }

    public URI endpoint() {
        return endpoint;
    }

    public boolean startedHere() {
        return process != null;
    }

    /** Keeps the started emulator running after the run; returns its process id. */
    public long keepRunning() {
        processes.detach(process);
        kept = true;
        return process.pid();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with status " + process.exitValue()
                        + " before it was ready");
            }
            if (answers(endpoint.resolve("/moto-api/"))) {
                return;
            }
            sleep(Duration.ofMillis(200));
        }
        processes.stop(process);
        throw new IllegalStateException("moto_server did not answer on " + endpoint + " within " + STARTUP.toSeconds() + " s");
    }

    public static boolean answers(URI uri) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status < 500;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on 127.0.0.1", e);
        }
    }

    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (process != null && !kept) {
            processes.stop(process);
        }
    }
}
