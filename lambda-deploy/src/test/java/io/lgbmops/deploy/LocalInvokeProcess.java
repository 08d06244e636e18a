package io.lgbmops.deploy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link LocalInvoke} in a child JVM, as the local runner starts it: the function's settings and
 * fake credentials in its environment, and the standard {@code AWS_ENDPOINT_URL}, resolved by the
 * SDK, as its only route to the emulator (every {@code AWS_*} variable of this JVM is dropped).
 */
final class LocalInvokeProcess {

    private static final long TIMEOUT_SECONDS = 90;

    record Run(int exitCode, String stdout, String stderr) { }

    private LocalInvokeProcess() {
    }

    /** Runs {@code event} (written to {@code work}) with {@code classpath} and the extra {@code javaOptions}. */
    static Run run(Path work, String classpath, List<String> javaOptions, Map<String, String> settings,
            URI endpoint, String event) throws IOException, InterruptedException {
        Path eventFile = Files.writeString(work.resolve("event.json"), event);
        Path stdout = work.resolve("stdout.txt");
        Path stderr = work.resolve("stderr.txt");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.addAll(List.of("-cp", classpath, LocalInvoke.class.getName(), eventFile.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.putAll(settings);
        env.put("AWS_ENDPOINT_URL", endpoint.toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("LocalInvoke did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
