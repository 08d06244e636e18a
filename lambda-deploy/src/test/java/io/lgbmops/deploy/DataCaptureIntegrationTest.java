package io.lgbmops.deploy;

import static io.lgbmops.deploy.DeployFixture.ENDPOINT;
import static io.lgbmops.deploy.DeployFixture.approvedEvent;
import static io.lgbmops.deploy.DeployFixture.invoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sagemaker.model.DataCaptureConfig;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/** Every endpoint config the function creates carries the stage's data capture, as sent and as SageMaker keeps it. */
class DataCaptureIntegrationTest {

    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private static final String DESTINATION = "s3://" + DeployFixture.BUCKET + "/datacapture";
    private static final Map<String, String> CAPTURE =
            Map.of("DATA_CAPTURE_SAMPLING_PERCENT", "25", "DATA_CAPTURE_S3_URI", DESTINATION + "/");

    private final DeployFixture fixture = EMULATOR.fixture();

    @Test
    void createEndpoint_whenCaptureOn_sendsInputAndOutputCaptureToTheDestination() {
        JsonNode result = invoke(fixture.handler(CAPTURE),
                approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));

        assertEquals("DEPLOYED", result.path("status").asText(), result::toString);
        List<FaultInjectingProxy.Call> created = fixture.proxy.calls("SageMaker.CreateEndpointConfig");
        assertEquals(1, created.size());
        JsonNode capture = created.get(0).json().path("DataCaptureConfig");
        assertTrue(capture.path("EnableCapture").asBoolean(), capture::toString);
        assertEquals(25, capture.path("InitialSamplingPercentage").asInt());
        assertEquals(DESTINATION, capture.path("DestinationS3Uri").asText());
        assertEquals(DeployFixture.KMS_KEY, capture.path("KmsKeyId").asText());
        assertEquals("Input", capture.path("CaptureOptions").get(0).path("CaptureMode").asText(), capture::toString);
        assertEquals("Output", capture.path("CaptureOptions").get(1).path("CaptureMode").asText(), capture::toString);
        assertEquals("text/csv", capture.path("CaptureContentTypeHeader").path("CsvContentTypes").get(0).asText());
        DataCaptureConfig kept = fixture.direct.sageMaker()
                .describeEndpointConfig(r -> r.endpointConfigName(result.path("endpoint_config_name").asText()))
                .dataCaptureConfig();
        assertEquals(25, kept.initialSamplingPercentage());
        assertEquals(DESTINATION, kept.destinationS3Uri());
    }

    @Test
    void updateEndpoint_whenCaptureOn_capturesOnTheNewConfigToo() {
        invoke(fixture.handler(CAPTURE), approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        fixture.clearRecordedCalls();

        JsonNode result = invoke(fixture.handler(CAPTURE),
                approvedEvent(fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED)));

        assertEquals("UPDATED", result.path("status").asText(), result::toString);
        JsonNode created = fixture.proxy.calls("SageMaker.CreateEndpointConfig").get(0).json();
        assertTrue(created.path("EndpointConfigName").asText().startsWith(ENDPOINT + "-v2-"), created::toString);
        assertEquals(25, created.path("DataCaptureConfig").path("InitialSamplingPercentage").asInt(), created::toString);
    }
}
