package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** Stops the execution with status Failed and {@code errorMessage}. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public record FailStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("Arguments") Arguments arguments) implements Step {

    public record Arguments(@JsonProperty("ErrorMessage") Value errorMessage) {}

    public FailStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
    }

    public FailStep(String name, String description, Value errorMessage) {
        this(name, description, List.of(), new Arguments(errorMessage));
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "Fail";
    }
}
