package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** Registers a model package version in a model package group (Type {@code RegisterModel}). */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments"})
public record RegisterModelStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("Arguments") CreateModelPackage.Arguments arguments) implements Step {

    public RegisterModelStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "RegisterModel";
    }

    public Get modelPackageArn() {
        return Get.step(name, "ModelPackageArn");
    }
}
