package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * Runs {@code ifSteps} when every condition holds, {@code elseSteps} otherwise. The branch steps
 * live only here, not in the pipeline's top-level step list.
 */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public record ConditionStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("Arguments") Arguments arguments) implements Step {

    @JsonPropertyOrder({"Conditions", "IfSteps", "ElseSteps"})
    public record Arguments(
            @JsonProperty("Conditions") List<Condition> conditions,
            @JsonProperty("IfSteps") List<Step> ifSteps,
            @JsonProperty("ElseSteps") List<Step> elseSteps) {

        public Arguments {
            conditions = List.copyOf(conditions);
            ifSteps = List.copyOf(ifSteps);
            elseSteps = List.copyOf(elseSteps);
        }
    }

    public ConditionStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "Condition";
    }
}
