package io.lgbmops.local.execution;

import io.lgbmops.pipeline.StepGraph;

/** Runs one type of step locally. Exceptions fail the step with their message. */
public interface StepExecutor {
    StepOutcome run(StepGraph.Node step, RunContext context) throws Exception;
}
