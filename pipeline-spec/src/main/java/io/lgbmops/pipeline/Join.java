package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Map;

/** {@code {"Std:Join": {"On": on, "Values": [...]}}}: values joined with a separator at run time. */
public record Join(String on, List<Value> values) implements Value {

    public Join {
        values = List.copyOf(values);
    }

    public static Join of(String on, Value... values) {
        return new Join(on, List.of(values));
    }

    /** An S3 URI, joined the way the SageMaker SDK does: {@code "s3:/"}, bucket, key parts on "/". */
    public static Join s3Uri(Value bucket, Value... keyParts) {
        var all = new java.util.ArrayList<Value>();
        all.add(Value.text("s3:/"));
        all.add(bucket);
        all.addAll(List.of(keyParts));
        return new Join("/", all);
    }

    @JsonValue
    Map<String, Object> json() {
        return Map.of("Std:Join", new Body(on, values));
    }

    @JsonPropertyOrder({"On", "Values"})
    record Body(@JsonProperty("On") String on, @JsonProperty("Values") List<Value> values) {}
}
