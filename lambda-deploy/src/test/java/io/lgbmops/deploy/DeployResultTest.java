package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.deploy.DeployFunction;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeployResultTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void writeFields_whenNothingBeyondTheDecision_stillWritesEveryOutputTheDeployStepDeclares() throws IOException {
        JsonNode json = write(DeployResult.of(DeployStatus.WAITING, "lgbm-census", "endpoint does not exist"));

        for (String output : DeployFunction.OUTPUTS) {
            assertTrue(json.has(output), output + " missing from " + json);
        }
        assertEquals("", json.get(DeployFunction.ENDPOINT_CONFIG_NAME_OUTPUT).asText());
        assertEquals(List.of("status", "endpoint_name", "endpoint_config_name", "reason"), fieldNames(json));
    }

    @Test
    void decided_whenPartsNamed_writesThemUnderTheFunctionsNames() throws IOException {
        DeployResult result = DeployResult.decided(DeployStatus.GATE_FAILED, "lgbm-census", "below the threshold")
                .modelPackage("arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/3", 3)
                .gate(0.61, 0.7)
                .build()
                .withDeleted(List.of("lgbm-census-v1-0123abcd"));

        JsonNode json = write(result);

        assertEquals("GATE_FAILED", json.get(DeployFunction.STATUS_OUTPUT).asText());
        assertEquals(3, json.get("model_package_version").asInt());
        assertEquals(0.7, json.get(DeployFunction.F1_THRESHOLD).asDouble());
        assertEquals("arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/3",
                json.get(DeployFunction.MODEL_PACKAGE_ARN).asText());
        assertEquals("lgbm-census-v1-0123abcd", json.get("deleted").get(0).asText());
        assertEquals("below the threshold", json.get("reason").asText());
    }

    private static JsonNode write(DeployResult result) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            result.writeFields(json);
            json.writeEndObject();
        }
        return MAPPER.readTree(out.toString());
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
