package io.lgbmops.deploy;

/** The decision one invocation took. None of them is an error: errors are exceptions. */
public enum DeployStatus {
    /** The endpoint did not exist and was created with the package. */
    DEPLOYED,
    /** The endpoint was updated to the package (blue/green with the configured guardrails). */
    UPDATED,
    /** The package is already live (or the endpoint is already on this exact config): nothing changed. */
    UNCHANGED,
    /** The package waits for manual approval; the approval event deploys it later. */
    PENDING_APPROVAL,
    /** The package is Rejected (or the event reports a status other than Approved). */
    NOT_APPROVED,
    /** The package's registered F1 is below the threshold, or its evaluation report is unusable. */
    GATE_FAILED,
    /** A newer version of the group is already live; an older one is never rolled out by an event. */
    SUPERSEDED,
    /** Endpoint state change: the endpoint is InService and autoscaling was (re)applied. */
    AUTOSCALING_APPLIED,
    /** Endpoint state change: the endpoint is not InService (yet); the next change event applies autoscaling. */
    WAITING,
    /** A/B or shadow mode: the package joined the live endpoint beside the champion (see {@code traffic}). */
    VARIANT_ADDED,
    /** The challenger or shadow became the sole production variant. */
    PROMOTED,
    /** The challenger or shadow was removed; the champion serves all traffic. */
    ROLLED_BACK,
    /** A promotion or rollback found no challenger or shadow of the version it names: nothing changed. */
    NO_VARIANT
}
