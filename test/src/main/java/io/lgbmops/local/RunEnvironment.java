package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.AwsClients;
import io.lgbmops.local.emulator.Emulator;
import io.lgbmops.local.emulator.S3Store;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.Console;
import io.lgbmops.local.execution.PipelineDefinition;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.RunSettings;
import io.lgbmops.local.expressions.ExecutionVariables;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.ChildProcesses;
import io.lgbmops.local.jobs.LocalImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What every kind of local run (training, monitoring, batch) sets up around its execution and
 * takes down after it: the execution's identity and work directory, the child processes, the
 * emulator with its clients and the definition's buckets in it; at the end the summary file and,
 * when asked, the emulator left running.
 */
record RunEnvironment(RunnerOptions options, Console console, ExecutionVariables execution, Path workDir,
        LocalImage image, ChildProcesses processes, Emulator emulator, AwsClients clients, S3Store s3)
        implements AutoCloseable {

    /** Starts (or joins, {@code --endpoint-url}) the emulator and prints the run's header. */
    static RunEnvironment open(RunnerOptions options, Console console, String pipelineName, String title,
            String description) throws IOException {
        ExecutionVariables execution = ExecutionVariables.start(
                options.pipelineName() != null ? options.pipelineName() : pipelineName);
        Path workDir = options.workDir().resolve(execution.executionId()).toAbsolutePath();
        LocalImage image = new LocalImage(options.venv().toAbsolutePath());
        ChildProcesses processes = new ChildProcesses();
        Emulator emulator = null;
        try {
            Files.createDirectories(workDir);
            emulator = options.endpointUrl().map(Emulator::external)
                    .orElseGet(() -> Emulator.start(image.venv(), processes, workDir));
            AwsClients clients = new AwsClients(emulator.endpoint());
            RunEnvironment environment = new RunEnvironment(options, console, execution, workDir, image, processes,
                    emulator, clients, new S3Store(clients.s3()));
            console.line("Local " + title + " run " + execution.executionId() + " of " + execution.pipelineName());
            console.info("definition", description);
            console.info("emulator", emulator.endpoint() + (emulator.startedHere() ? " (moto_server, started for this run)" : " (given)"));
            console.info("work dir", workDir.toString());
            return environment;
        } catch (IOException | RuntimeException e) {
            if (emulator != null) {
                emulator.close();
            }
            processes.close();
            throw e;
        }
    }

    /** Creates the definition's buckets in the emulator, as the stacks would have; returns their names. */
    Set<String> createBuckets(PipelineDefinition definition, Map<String, JsonNode> parameters) {
        Set<String> buckets = LocalPipelineRunner.buckets(definition.json(), parameters);
        buckets.forEach(s3::ensureBucket);
        return buckets;
    }

    /**
     * Uploads the files the stacks deploy ({@code staticFiles}: S3 URI to content) that land in one of
     * {@code buckets}, the ones this run created; returns their URIs.
     */
    Set<String> uploadStaticFiles(Map<String, String> staticFiles, Set<String> buckets) {
        Map<String, String> uploaded = new LinkedHashMap<>();
        staticFiles.forEach((uri, content) -> {
            if (buckets.contains(S3Uri.parse(uri).bucket())) {
                uploaded.put(uri, content);
            }
        });
        uploaded.forEach((uri, content) -> s3.uploadText(content, S3Uri.parse(uri)));
        if (!uploaded.isEmpty()) {
            console.info("static files", uploaded.size() + " file(s) the stack deploys: "
                    + String.join(", ", uploaded.keySet()));
        }
        return uploaded.keySet();
    }

    RunContext context(PipelineDefinition definition, Map<String, JsonNode> parameters, RunSettings settings) {
        return new RunContext(definition, parameters, execution, s3, clients.sageMaker(), processes, image, workDir,
                console, settings);
    }

    /** Writes the summary where {@code --summary} asks, and leaves the emulator running for {@code --keep-emulator}. */
    void finish(ObjectNode summary) throws IOException {
        if (options.summary().isPresent()) {
            Path file = options.summary().get().toAbsolutePath();
            Files.createDirectories(file.getParent());
            Files.writeString(file, Json.write(summary));
            console.info("summary", file.toString());
        }
        if (options.keepEmulator() && emulator.startedHere()) {
            long pid = emulator.keepRunning();
            console.info("emulator", "still running at " + emulator.endpoint() + " (pid " + pid
                    + "); e.g. AWS_ENDPOINT_URL=" + emulator.endpoint()
                    + " aws sagemaker list-endpoints; stop it with: kill " + pid);
        }
    }

    @Override
    public void close() {
        try (processes; emulator; clients) {
            // closed in reverse order: the clients, the emulator, then every child process left
        }
    }
}
