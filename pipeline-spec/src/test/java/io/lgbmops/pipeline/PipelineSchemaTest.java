package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The project's schema accepts our definition and real SDK output, and rejects malformed shapes. */
class PipelineSchemaTest {

    static final String SCHEMA = "/io/lgbmops/pipeline/pipeline-definition.schema.json";

    private static final JsonSchema schema = load();

    private static JsonSchema load() {
        try (InputStream in = PipelineSchemaTest.class.getResourceAsStream(SCHEMA)) {
            JsonNode node = PipelineJson.mapper().readTree(in);
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> errors(JsonNode definition) {
        return schema.validate(definition).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    @Test
    void validate_whenDefinitionIsOurs_passes() {
        assertEquals(List.of(), errors(Definitions.placeholderJson()));
    }

    @Test
    void validate_whenDefinitionIsTheSdkGeneratedReference_passes() throws Exception {
        JsonNode reference = PipelineJson.mapper().readTree(Definitions.referenceDirectory()
                .resolve("pipeline-definition-examples/pipeline_definition.json").toFile());

        assertEquals(List.of(), errors(reference));
    }

    @Test
    void validate_whenStepHasUnknownField_fails() {
        ObjectNode definition = Definitions.placeholderJson();
        ((ObjectNode) Definitions.step(definition, "Register").path("Arguments").path("InferenceSpecification"))
                .put("SupportedContentType", "text/csv");

        assertFalse(errors(definition).isEmpty());
    }

    @Test
    void validate_whenStepTypeIsUnknown_fails() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.step(definition, "Deploy").put("Type", "Lamda");

        assertFalse(errors(definition).isEmpty());
    }

    @Test
    void validate_whenUploadModeIsMisspelt_fails() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Evaluate"), "EndOfJob", "EndOfjob");

        assertFalse(errors(definition).isEmpty());
    }

    @Test
    void validate_whenParameterDefaultHasWrongType_fails() {
        ObjectNode definition = Definitions.placeholderJson();
        ((ObjectNode) definition.path("Parameters").get(6)).put("DefaultValue", "twenty");

        assertEquals("MaxTuningJobs", definition.path("Parameters").get(6).path("Name").asText());
        assertFalse(errors(definition).isEmpty());
    }
}
