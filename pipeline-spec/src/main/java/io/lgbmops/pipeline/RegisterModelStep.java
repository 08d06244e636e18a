package io.lgbmops.pipeline;

import java.util.List;

/** Registers a model package version in a model package group (Type {@code RegisterModel}). */
public record RegisterModelStep(String name, String description, List<String> dependsOn,
        CreateModelPackage.Arguments arguments) implements Step {

    public RegisterModelStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }

    public Get modelPackageArn() {
        return Get.step(name, "ModelPackageArn");
    }
}
