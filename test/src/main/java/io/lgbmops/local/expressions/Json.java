package io.lgbmops.local.expressions;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The one JSON mapper of the runner, and navigation of JSON values by {@link PropertyPath}. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /**
     * Reads pipeline arguments into AWS SDK request builders: the definition's argument objects are
     * the SageMaker API request shapes with PascalCase members, the builders' setters are camelCase.
     * Unknown members are an error, as they are for the SageMaker API.
     */
    public static final ObjectMapper SDK_SHAPES = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {}

    public static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }

    public static ObjectNode object() {
        return nodes().objectNode();
    }

    public static ArrayNode array() {
        return nodes().arrayNode();
    }

    public static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read JSON from " + file + ": " + e.getMessage(), e);
        }
    }

    public static JsonNode read(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String compact(JsonNode value) {
        return value.toString();
    }

    /**
     * The value at {@code path} in {@code root}. A key on a list selects the element whose
     * {@code ...Name} member equals it, as SageMaker does for e.g. {@code Outputs['train']}.
     *
     * @throws IllegalArgumentException naming the first segment that does not exist
     */
    static JsonNode at(JsonNode root, PropertyPath path, String what) {
        JsonNode node = root;
        StringBuilder walked = new StringBuilder(what);
        for (PropertyPath.Segment segment : path.segments()) {
            JsonNode next = step(node, segment);
            walked.append(walked.length() == 0 || walked.charAt(walked.length() - 1) == ' '
                    ? segment.toString().replaceFirst("^\\.", "") : segment.toString());
            if (next == null || next.isMissingNode()) {
                throw new IllegalArgumentException(walked + " does not exist");
            }
            node = next;
        }
        return node;
    }

    private static JsonNode step(JsonNode node, PropertyPath.Segment segment) {
        if (segment instanceof PropertyPath.Field field) {
            return node.isObject() ? node.get(field.name()) : null;
        }
        if (segment instanceof PropertyPath.Index index) {
            return node.isArray() ? node.get(index.position()) : null;
        }
        String key = ((PropertyPath.Key) segment).key();
        if (node.isObject()) {
            return node.get(key);
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (element.isObject() && namedAs(element, key)) {
                    return element;
                }
            }
        }
        return null;
    }

    private static boolean namedAs(JsonNode element, String key) {
        for (var field : element.properties()) {
            if (field.getKey().endsWith("Name") && field.getValue().isTextual()
                    && field.getValue().asText().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** The text of a scalar the way Std:Join renders it (numbers without exponent noise). */
    public static String text(JsonNode scalar) {
        if (scalar.isTextual()) {
            return scalar.asText();
        }
        if (scalar.isIntegralNumber() || scalar.isBoolean()) {
            return scalar.asText();
        }
        if (scalar.isNumber()) {
            return scalar.numberValue().toString();
        }
        if (scalar.isNull()) {
            return "";
        }
        return scalar.toString();
    }
}
