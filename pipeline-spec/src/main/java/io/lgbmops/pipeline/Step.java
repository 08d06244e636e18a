package io.lgbmops.pipeline;

import java.util.List;

/** One step of a pipeline definition. Each kind serializes to its SageMaker JSON shape. */
public sealed interface Step
        permits ProcessingStep, TuningStep, TransformStep, ModelStep, RegisterModelStep, ClarifyCheckStep,
                LambdaStep, FailStep, ConditionStep {

    String name();

    /** The {@code Type} SageMaker knows the step by, e.g. {@code Processing}. */
    String type();

    /** Names of steps that must finish first although no data flows from them. */
    List<String> dependsOn();
}
