package io.lgbmops.local;

import io.lgbmops.pipeline.StepGraph;

/** Runs one type of step locally. Exceptions fail the step with their message. */
interface StepHandler {
    StepOutcome run(StepGraph.Node step, RunContext context) throws Exception;
}
