package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** An output parameter of a Lambda step: a key of the JSON object the function returns. */
@JsonPropertyOrder({"OutputName", "OutputType"})
public record LambdaOutput(
        @JsonProperty("OutputName") String name,
        @JsonProperty("OutputType") Parameter.Type type) {

    public static LambdaOutput string(String name) {
        return new LambdaOutput(name, Parameter.Type.String);
    }
}
