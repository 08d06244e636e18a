package io.lgbmops.local.expressions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A parameter declared by the definition: {@code {"Name", "Type", "DefaultValue", "EnumValues"?}}. */
public record PipelineParameter(String name, Type type, JsonNode defaultValue, List<String> enumValues) {

    enum Type { String, Integer, Float, Boolean }

    public PipelineParameter {
        enumValues = List.copyOf(enumValues);
    }

    public static PipelineParameter from(JsonNode json) {
        String name = json.path("Name").asText("");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("parameter without a Name: " + json);
        }
        Type type;
        try {
            type = Type.valueOf(json.path("Type").asText("String"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("parameter " + name + " has unknown type " + json.path("Type"), e);
        }
        List<String> enumValues = new java.util.ArrayList<>();
        json.path("EnumValues").forEach(value -> enumValues.add(value.asText()));
        JsonNode defaultValue = json.get("DefaultValue");
        PipelineParameter parameter = new PipelineParameter(name, type, null, enumValues);
        return defaultValue == null || defaultValue.isNull()
                ? parameter
                : new PipelineParameter(name, type, parameter.coerce(defaultValue), enumValues);
    }

    /** Parses a value given on the command line as this parameter's type. */
    JsonNode parse(String text) {
        var nodes = Json.nodes();
        JsonNode value;
        try {
            value = switch (type) {
                case String -> nodes.textNode(text);
                case Integer -> nodes.numberNode(java.lang.Integer.parseInt(text.trim()));
                case Float -> nodes.numberNode(Double.parseDouble(text.trim()));
                case Boolean -> nodes.booleanNode(parseBoolean(text.trim()));
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "parameter " + name + " is a " + type + ", got '" + text + "'", e);
        }
        checkEnum(value);
        return value;
    }

    private JsonNode coerce(JsonNode json) {
        return parse(json.asText());
    }

    private void checkEnum(JsonNode value) {
        if (!enumValues.isEmpty() && !enumValues.contains(value.asText())) {
            throw new IllegalArgumentException(
                    "parameter " + name + " must be one of " + enumValues + ", got '" + value.asText() + "'");
        }
    }

    private static boolean parseBoolean(String text) {
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean: " + text);
    }
}
