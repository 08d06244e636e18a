package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

class DeployHandlerIT {

    private static DeployFixture fixture;

    @BeforeAll
    static void startEmulator() {
        fixture = DeployFixture.start();
    }

    @AfterAll
    static void stopEmulator() {
        fixture.close();
    }

    @BeforeEach
    void resetEmulator() {
        fixture.reset();
    }

    @Test
    void handleRequest_whenFirstApprovedPackage_createsAutoscaledEndpoint() {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);

        JsonNode result = DeployFixture.invoke(fixture.handler(), DeployFixture.pipelineArguments(arn));

        assertEquals("DEPLOYED", result.path("status").asText(), result::toString);
        System.out.println(result);
        System.out.println(fixture.proxy.operations());
        System.out.println(fixture.logs());
    }
}
