package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/**
 * {@link LocalInvoke} as the local runner and the benchmark use it: a separate JVM whose only
 * route to the emulator is the standard {@code AWS_ENDPOINT_URL} variable, resolved by the SDK.
 */
class LocalInvokeIntegrationTest {

    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private final DeployFixture fixture = EMULATOR.fixture();

    @TempDir
    Path work;

    @Test
    void main_whenEndpointUrlPointsAtEmulator_deploysAndPrintsOnlyResult() throws Exception {
        String arn = fixture.registerPackage(0.7, ModelApprovalStatus.APPROVED);

        Run run = localInvoke(DeployFixture.approvedEvent(arn));

        assertEquals(0, run.exitCode(), run::toString);
        List<String> lines = run.stdout().lines().toList();
        assertEquals(1, lines.size(), run::toString);
        JsonNode result = DeployFixture.JSON.readTree(lines.get(0));
        assertEquals("DEPLOYED", result.path("status").asText(), run::toString);
        assertEquals(1, fixture.endpointCount());
        assertTrue(run.stderr().contains("\"event\":\"deploy_decision\""), run::toString);
    }

    @Test
    void main_whenEventInvalid_printsNamedErrorAndExitsWithTwo() throws Exception {
        Run run = localInvoke("{\"model_package_arn\": 7}");

        assertEquals(2, run.exitCode(), run::toString);
        JsonNode error = DeployFixture.JSON.readTree(run.stdout());
        assertEquals("INVALID_EVENT", error.path("error").asText());
        assertTrue(error.path("message").asText().startsWith("model_package_arn: "), run::toString);
    }

    private record Run(int exitCode, String stdout, String stderr) { }

    private Run localInvoke(String event) throws IOException, InterruptedException {
        Path eventFile = Files.writeString(work.resolve("event.json"), event);
        Path stdout = work.resolve("stdout.txt");
        Path stderr = work.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LocalInvoke.class.getName(), eventFile.toString())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.putAll(DeployFixture.environment());
        env.put("AWS_ENDPOINT_URL", fixture.moto.endpoint().toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        Process process = builder.start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("LocalInvoke did not finish within 90 s");
        }
        return new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
