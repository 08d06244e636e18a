package io.lgbmops.deploy;

import static io.lgbmops.deploy.DeployFixture.approvedEvent;
import static io.lgbmops.deploy.DeployFixture.invoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/**
 * The production client configuration (standard retry strategy, 3 attempts) against an emulator
 * that throttles or fails: the proxy answers chosen calls with the errors AWS sends.
 */
class SdkRetryIntegrationTest {

    private static final FaultInjectingProxy.Reply THROTTLED =
            FaultInjectingProxy.Reply.awsJsonError(400, "ThrottlingException", "Rate exceeded");
    private static final FaultInjectingProxy.Reply UNAVAILABLE =
            FaultInjectingProxy.Reply.awsJsonError(503, "ServiceUnavailable", "Service is unavailable");
    private static final FaultInjectingProxy.Reply INTERNAL =
            FaultInjectingProxy.Reply.awsJsonError(500, "InternalFailure", "We encountered an internal error");

    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private final DeployFixture fixture = EMULATOR.fixture();

    static Stream<Arguments> failuresAnsweredTwice() {
        String report = "GET /" + DeployFixture.BUCKET + "/" + DeployFixture.reportKey(1);
        return Stream.of(
                Arguments.of("throttled describe", "SageMaker.DescribeModelPackage", THROTTLED),
                Arguments.of("5xx on create", "SageMaker.CreateEndpoint", UNAVAILABLE),
                Arguments.of("slow-down on the report read", report, new FaultInjectingProxy.Reply(503,
                        Map.of("Content-Type", "application/xml"),
                        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                                .getBytes(StandardCharsets.UTF_8))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failuresAnsweredTwice")
    void handleRequest_whenCallFailsTwice_retriesAndDeploysOnce(String label, String operation,
            FaultInjectingProxy.Reply failure) {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        fixture.proxy.failNext(operation, 2, failure);

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("DEPLOYED", result.path("status").asText(), result::toString);
        assertEquals(3, fixture.proxy.count(operation));
        assertEquals(1, fixture.endpointCount());
    }

    @Test
    void handleRequest_whenServiceKeepsFailing_throwsRetryableAfterThreeAttemptsAndCreatesNothing() {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        fixture.proxy.failAlways("SageMaker.DescribeModelPackage", INTERNAL);

        RetryableDeployException error = assertThrows(RetryableDeployException.class,
                () -> invoke(fixture.handler(), approvedEvent(arn)));

        assertTrue(error.getMessage().contains("InternalFailure"), error::getMessage);
        assertEquals(3, fixture.proxy.count("SageMaker.DescribeModelPackage"));
        assertTrue(fixture.noMutatingCalls(), () -> fixture.proxy.operations().toString());
        assertTrue(fixture.logs().contains("\"error\":\"RETRYABLE\""), fixture::logs);
    }

    @Test
    void handleRequest_whenThrottlingOutlastsRetriesMidway_redeliveryFinishesWithoutDuplicates() {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        DeployHandler handler = fixture.handler();
        fixture.proxy.failAlways("SageMaker.CreateEndpoint", THROTTLED);

        assertThrows(RetryableDeployException.class, () -> invoke(handler, approvedEvent(arn)));
        assertEquals(0, fixture.endpointCount());
        fixture.clearRecordedCalls();
        JsonNode result = invoke(handler, approvedEvent(arn));

        assertEquals("DEPLOYED", result.path("status").asText(), result::toString);
        assertEquals(1, fixture.endpointConfigs().size());
        assertEquals(1, fixture.models().size());
        assertEquals(List.of(), fixture.proxy.calls("SageMaker.CreateModel"));
    }
}
