package io.lgbmops.local.execution;

/** A step's status in the run: SageMaker's terminal statuses plus the local ones. */
public enum StepStatus {
    SUCCEEDED("Succeeded"),
    FAILED("Failed"),
    /** The runner has no local implementation; the reason says what was not done. */
    SKIPPED("Skipped"),
    /** On a Condition branch that was not taken, or downstream of a step that did not succeed. */
    NOT_EXECUTED("NotExecuted"),
    /** The execution had already failed when this step's turn came. */
    NOT_STARTED("NotStarted");

    private final String label;

    StepStatus(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
