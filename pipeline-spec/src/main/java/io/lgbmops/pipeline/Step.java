package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One step of a pipeline definition. Each kind serializes to its SageMaker JSON shape; the keys
 * every kind shares are named here once, so a step record declares only what is its own.
 */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public sealed interface Step
        permits ProcessingStep, TuningStep, TransformStep, ModelStep, RegisterModelStep, ClarifyCheckStep,
                LambdaStep, FailStep, ConditionStep {

    @JsonProperty("Name")
    String name();

    /**
     * The {@code Type} SageMaker knows the step by, e.g. {@code Processing}: each kind is the record
     * named after its type, {@code <Type>Step}, so the name is written once.
     */
    @JsonProperty("Type")
    default String type() {
        String kind = getClass().getSimpleName();
        return kind.substring(0, kind.length() - "Step".length());
    }

    @JsonProperty("Description")
    String description();

    /** Names of steps that must finish first although no data flows from them. */
    @JsonProperty("DependsOn")
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    List<String> dependsOn();

    /** What the step runs: the API request of its job, the Lambda event, the condition's branches. */
    @JsonProperty("Arguments")
    Object arguments();

    /** A step's own copy of {@code dependsOn}, once its name is known to be one SageMaker accepts. */
    static List<String> checkedDependsOn(String name, List<String> dependsOn) {
        StepNames.requireValid("step", name);
        return List.copyOf(dependsOn);
    }
}
