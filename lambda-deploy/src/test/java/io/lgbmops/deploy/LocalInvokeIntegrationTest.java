package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.deploy.LocalInvokeProcess.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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

    private Run localInvoke(String event) throws IOException, InterruptedException {
        return LocalInvokeProcess.run(work, System.getProperty("java.class.path"), List.of(),
                DeployFixture.environment(), fixture.moto.endpoint(), event);
    }
}
