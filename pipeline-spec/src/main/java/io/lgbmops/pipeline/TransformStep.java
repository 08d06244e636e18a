package io.lgbmops.pipeline;

import java.util.List;

/** A batch transform job: the model scores every record under an S3 prefix. */
public record TransformStep(String name, String description, List<String> dependsOn,
        CreateTransformJob.Arguments arguments) implements Step {

    public TransformStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }

    /** The S3 prefix the job wrote {@code <input object>.out} files under. */
    public Get outputPath() {
        return Get.step(name, "TransformOutput.S3OutputPath");
    }
}
