package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A hyperparameter tuning job; later steps read its best training job. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public record TuningStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("Arguments") CreateHyperParameterTuningJob.Arguments arguments) implements Step {

    public TuningStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "Tuning";
    }

    /** Name of the training job with the best objective metric, from DescribeHyperParameterTuningJob. */
    public Get bestTrainingJobName() {
        return Get.step(name, "BestTrainingJob.TrainingJobName");
    }
}
