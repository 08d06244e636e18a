package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** A comparison in a Condition step, e.g. {@code JsonGet(...) >= Parameters.F1Threshold}. */
@JsonPropertyOrder({"Type", "LeftValue", "RightValue"})
public record Condition(
        @JsonProperty("Type") Comparison type,
        @JsonProperty("LeftValue") Value leftValue,
        @JsonProperty("RightValue") Value rightValue) {

    public enum Comparison {
        Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo
    }

    public Condition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(leftValue, "leftValue");
        Objects.requireNonNull(rightValue, "rightValue");
    }

    public static Condition equalTo(Value left, Value right) {
        return new Condition(Comparison.Equals, left, right);
    }

    public static Condition greaterThanOrEqualTo(Value left, Value right) {
        return new Condition(Comparison.GreaterThanOrEqualTo, left, right);
    }
}
