package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** Creates a SageMaker model (Type {@code Model}); Clarify checks run their shadow endpoints from it. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public record ModelStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("Arguments") CreateModel.Arguments arguments) implements Step {

    public ModelStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "Model";
    }

    public Get modelName() {
        return Get.step(name, "ModelName");
    }
}
