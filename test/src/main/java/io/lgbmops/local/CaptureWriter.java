package io.lgbmops.local;

import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.jobs.ChildProcesses;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * After the smoke test, where the stage captures: its requests and the served answers as the
 * endpoint's data capture keeps them, written by the container's own writer
 * ({@code python -m lgbmops.monitor.capture}) in SageMaker's JSON Lines format and uploaded where
 * SageMaker puts them, {@code <DATA_CAPTURE_S3_URI>/<endpoint>/AllTraffic/yyyy/mm/dd/hh/}. A
 * monitoring run ({@code --pipeline monitor}) then reads them.
 *
 * @param destination  the deploy function's DATA_CAPTURE_S3_URI
 * @param endpointName the deploy function's ENDPOINT_NAME
 */
record CaptureWriter(S3Uri destination, String endpointName) {

    static final String LIVE_VARIANT = Variants.CHAMPION;

    /** The capture the deploy function configures, if any function's environment turns it on. */
    static Optional<CaptureWriter> fromLambdaEnvironment(Map<String, Map<String, String>> environments) {
        for (Map<String, String> environment : environments.values()) {
            String destination = environment.get(DeploySettings.Setting.DATA_CAPTURE_S3_URI.name());
            String percent = environment.getOrDefault(DeploySettings.Setting.DATA_CAPTURE_SAMPLING_PERCENT.name(), "0");
            if (destination != null && !destination.isBlank() && !percent.equals("0")
                    && environment.containsKey(DeploySettings.Setting.ENDPOINT_NAME.name())) {
                return Optional.of(new CaptureWriter(S3Uri.parse(destination.endsWith("/") ? destination : destination + "/"),
                        environment.get(DeploySettings.Setting.ENDPOINT_NAME.name())));
            }
        }
        return Optional.empty();
    }

    /** Writes and uploads the smoke test's requests; the model the smoke test served answers them again. */
    void write(RunContext context, SmokeTest.Result smoke) throws IOException {
        Path dir = context.directory("endpoints", "capture");
        Path rows = dir.resolve("rows.csv");
        Files.writeString(rows, String.join("\n", smoke.rows()) + "\n");
        Path files = dir.resolve("datacapture");
        List<String> command = List.of(context.image().python().toString(), "-m", "lgbmops.monitor.capture",
                "--rows", rows.toString(), "--output", files.toString(), "--endpoint-name", endpointName,
                "--variant", LIVE_VARIANT,
                "--model-dir", context.directory("endpoints", "smoke").resolve("opt_ml").resolve("model").toString());
        ChildProcesses.Result result = context.processes().run(command,
                context.image().environment(dir.resolve("opt_ml"), Map.of()), dir, dir.resolve("capture.log"),
                Duration.ofMinutes(2));
        if (!result.succeeded()) {
            throw new IllegalStateException("writing the smoke test's capture files failed: " + result.tail(5));
        }
        int uploaded = context.s3().uploadDirectory(files, destination);
        context.console().info("data capture", uploaded + " file(s) of the smoke test's " + smoke.rows().size()
                + " request(s) -> " + destination.resolve(endpointName + "/" + LIVE_VARIANT + "/"));
    }
}
