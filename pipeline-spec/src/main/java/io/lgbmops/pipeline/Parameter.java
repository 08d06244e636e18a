package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** A pipeline parameter: a named, typed value with a default that an execution may override. */
@JsonPropertyOrder({"Name", "Type", "DefaultValue"})
public record Parameter(
        @JsonProperty("Name") String name,
        @JsonProperty("Type") Type type,
        @JsonProperty("DefaultValue") Object defaultValue) {

    public enum Type { String, Integer, Float, Boolean }

    public Parameter {
        StepNames.requireValid("parameter", name);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
    }

    public static Parameter string(String name, String defaultValue) {
        return new Parameter(name, Type.String, defaultValue);
    }

    public static Parameter integer(String name, int defaultValue) {
        return new Parameter(name, Type.Integer, defaultValue);
    }

    public static Parameter floating(String name, double defaultValue) {
        return new Parameter(name, Type.Float, defaultValue);
    }

    public static Parameter bool(String name, boolean defaultValue) {
        return new Parameter(name, Type.Boolean, defaultValue);
    }

    /** {@code {"Get": "Parameters.<name>"}}. */
    public Get ref() {
        return Get.parameter(name);
    }
}
