package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A batch transform job: the model scores every record under an S3 prefix. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public record TransformStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("Arguments") CreateTransformJob.Arguments arguments) implements Step {

    public TransformStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "Transform";
    }

    /** The S3 prefix the job wrote {@code <input object>.out} files under. */
    public Get outputPath() {
        return Get.step(name, "TransformOutput.S3OutputPath");
    }
}
