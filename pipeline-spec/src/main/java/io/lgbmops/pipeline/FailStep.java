package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Stops the execution with status Failed and {@code errorMessage}. */
public record FailStep(String name, String description, List<String> dependsOn, Arguments arguments)
        implements Step {

    public record Arguments(@JsonProperty("ErrorMessage") Value errorMessage) {}

    public FailStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }

    public FailStep(String name, String description, Value errorMessage) {
        this(name, description, List.of(), new Arguments(errorMessage));
    }
}
