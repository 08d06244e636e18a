package io.lgbmops.pipeline;

import java.util.List;

/** Creates a SageMaker model (Type {@code Model}); Clarify checks run their shadow endpoints from it. */
public record ModelStep(String name, String description, List<String> dependsOn, CreateModel.Arguments arguments)
        implements Step {

    public ModelStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }

    public Get modelName() {
        return Get.step(name, "ModelName");
    }
}
