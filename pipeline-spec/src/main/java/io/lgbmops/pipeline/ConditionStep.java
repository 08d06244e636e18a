package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * Runs {@code ifSteps} when every condition holds, {@code elseSteps} otherwise. The branch steps
 * live only here, not in the pipeline's top-level step list.
 */
public record ConditionStep(String name, String description, List<String> dependsOn, Arguments arguments)
        implements Step {

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
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }
}
