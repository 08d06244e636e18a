package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lgbmops.pipeline.deploy.DeploySettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

class DeployHandlerPrimingTest {

    @Test
    void prime_always_runsWithoutCallingAws() {
        // Port 9 (discard) on loopback: any AWS call would fail to connect and throw.
        try (AwsClients unreachable = AwsClients.forEndpoint(URI.create("http://127.0.0.1:9"), Region.US_EAST_1,
                AnonymousCredentialsProvider.create())) {
            ByteArrayOutputStream logs = new ByteArrayOutputStream();
            DeployHandler handler = new DeployHandler(unreachable,
                    DeploySettings.fromEnvironment(DeployFixture.environment()),
                    new PrintStream(logs, true, StandardCharsets.UTF_8));

            assertDoesNotThrow(handler::prime);
            assertEquals("", logs.toString(StandardCharsets.UTF_8));
        }
    }
}
