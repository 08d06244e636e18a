package io.lgbmops.local;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.expressions.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The runner as a user starts it, {@code java -jar test/target/local-run.jar}, for the end-to-end
 * runs: each run writes its summary and log under the test's directory, and must end within the
 * test's time limit.
 */
final class RunnerJar {

    /** A finished run: its exit status, what it printed and its {@code --summary} JSON. */
    record Run(int exitCode, String output, JsonNode summary) {

        /** The step of that name in the summary. */
        JsonNode step(String name) {
            for (JsonNode step : summary.path("steps")) {
                if (name.equals(step.path("name").asText())) {
                    return step;
                }
            }
            throw new AssertionError("no step " + name + " in\n" + output);
        }
    }

    private final Path root;
    private final Path jar;
    private final long timeoutMinutes;

    private RunnerJar(Path root, long timeoutMinutes) {
        this.root = root;
        this.jar = root.resolve("test/target/local-run.jar");
        this.timeoutMinutes = timeoutMinutes;
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the package phase builds it");
    }

    /** The jar the build packaged in the repository failsafe names ({@code repo.root}). */
    static RunnerJar built(long timeoutMinutes) {
        return new RunnerJar(Path.of(System.getProperty("repo.root", ".")).toAbsolutePath().normalize(), timeoutMinutes);
    }

    Path root() {
        return root;
    }

    /** Runs the jar with {@code args}; {@code label} names the run's summary and log in {@code dir}. */
    Run run(Path dir, String label, Path workDir, List<String> args) throws IOException, InterruptedException {
        Path summary = dir.resolve(label + "-summary.json");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "--repo-root", root.toString(), "--summary", summary.toString(), "--work-dir", workDir.toString()));
        command.addAll(args);
        Path log = dir.resolve(label + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("the run did not finish in " + timeoutMinutes + " minutes:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertTrue(Files.isRegularFile(summary), "no summary written:\n" + output);
        return new Run(process.exitValue(), output, Json.read(summary));
    }
}
