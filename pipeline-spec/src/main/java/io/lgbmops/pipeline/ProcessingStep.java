package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A processing job; its outputs and property files are what later steps read. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments", "PropertyFiles"})
public record ProcessingStep(
        String name, String description, List<String> dependsOn,
        CreateProcessingJob.Arguments arguments,
        @JsonProperty("PropertyFiles") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PropertyFile> propertyFiles)
        implements Step {

    public ProcessingStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
        propertyFiles = List.copyOf(propertyFiles);
        for (PropertyFile file : propertyFiles) {
            if (!arguments.outputNames().contains(file.outputName())) {
                throw new IllegalArgumentException("step " + name + ": property file " + file.name()
                        + " reads output " + file.outputName() + ", which the step does not declare");
            }
        }
    }

    /** The S3 URI SageMaker uploaded output {@code outputName} to. */
    public Get outputUri(String outputName) {
        if (!arguments.outputNames().contains(outputName)) {
            throw new IllegalArgumentException(
                    "step " + name + " has no output " + outputName + ", only " + arguments.outputNames());
        }
        return Get.step(name, "ProcessingOutputConfig.Outputs['" + outputName + "'].S3Output.S3Uri");
    }

    /** A value read from one of this step's property files. */
    public JsonGet jsonGet(String propertyFileName, String jsonPath) {
        if (propertyFiles.stream().noneMatch(file -> file.name().equals(propertyFileName))) {
            throw new IllegalArgumentException(
                    "step " + name + " declares no property file " + propertyFileName);
        }
        return new JsonGet(name, propertyFileName, jsonPath);
    }
}
