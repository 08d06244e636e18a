package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;
import java.util.Objects;

/**
 * {@code {"Get": "Steps.X.Some.Property"}}, {@code {"Get": "Parameters.X"}} or
 * {@code {"Get": "Execution.X"}}: a property of an earlier step, a pipeline parameter or an
 * execution variable, resolved at run time.
 */
public record Get(String path) implements Value {

    public static final Get PIPELINE_EXECUTION_ID = new Get("Execution.PipelineExecutionId");
    public static final Get PIPELINE_EXECUTION_ARN = new Get("Execution.PipelineExecutionArn");

    public Get {
        Objects.requireNonNull(path, "path");
    }

    public static Get step(String stepName, String property) {
        return new Get("Steps." + stepName + "." + property);
    }

    public static Get parameter(String name) {
        return new Get("Parameters." + name);
    }

    @JsonValue
    Map<String, Object> json() {
        return Map.of("Get", path);
    }
}
