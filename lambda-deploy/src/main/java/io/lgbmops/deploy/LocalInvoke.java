package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeploySettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the handler once outside Lambda: {@code java -cp lambda-deploy.jar io.lgbmops.deploy.LocalInvoke
 * [event.json]} (stdin without an argument). Configuration comes from the same environment
 * variables as in Lambda, AWS endpoints from {@code AWS_ENDPOINT_URL}.
 *
 * <p>stdout carries exactly one JSON object: the result, or {@code {"error": ..., "error_type": ...,
 * "message": ...}}. Decision logs go to stderr. Exit status: 0 result, 2 invalid event,
 * 3 retryable, 4 failed, 1 configuration or unexpected error.
 */
public final class LocalInvoke {

    private LocalInvoke() { }

    public static void main(String[] args) throws IOException {
        byte[] payload = args.length > 0 ? Files.readAllBytes(Path.of(args[0])) : System.in.readAllBytes();
        int status;
        try (AwsClients clients = AwsClients.fromEnvironment()) {
            status = run(clients, DeploySettings.fromEnvironment(System.getenv()), payload);
        } catch (IllegalArgumentException e) {
            print(Map.of("error", "CONFIGURATION", "error_type", e.getClass().getSimpleName(),
                    "message", String.valueOf(e.getMessage())));
            status = 1;
        }
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(AwsClients clients, DeploySettings config, byte[] payload) throws IOException {
        DeployHandler handler = new DeployHandler(clients, config, System.err);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(payload), out, null);
        } catch (DeployException e) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("error", e.kind());
            error.put("error_type", e.getClass().getSimpleName());
            error.put("message", e.getMessage());
            print(error);
            if (e instanceof InvalidEventException) {
                return 2;
            }
            return e instanceof RetryableDeployException ? 3 : 4;
        }
        System.out.println(out.toString(StandardCharsets.UTF_8));
        return 0;
    }

    private static void print(Map<String, Object> error) throws IOException {
        System.out.println(DeployHandler.MAPPER.writeValueAsString(error));
    }
}
