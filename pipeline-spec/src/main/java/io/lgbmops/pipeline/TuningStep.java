package io.lgbmops.pipeline;

import java.util.List;

/** A hyperparameter tuning job; later steps read its best training job. */
public record TuningStep(String name, String description, List<String> dependsOn,
        CreateHyperParameterTuningJob.Arguments arguments) implements Step {

    public TuningStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }

    /** Name of the training job with the best objective metric, from DescribeHyperParameterTuningJob. */
    public Get bestTrainingJobName() {
        return Get.step(name, "BestTrainingJob.TrainingJobName");
    }
}
