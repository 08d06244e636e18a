package io.lgbmops.local;

/** Runs one type of step locally. Exceptions fail the step with their message. */
interface StepHandler {
    StepOutcome run(StepSpec step, RunContext context) throws Exception;
}
