package io.lgbmops.deploy;

/**
 * A transient condition (endpoint busy, throttling or 5xx that outlasted the SDK's retries,
 * timeouts, a concurrent invocation). Nothing was left half-done: the same event can be
 * delivered again, which is what Lambda's asynchronous retries and the dead-letter queue do.
 */
public final class RetryableDeployException extends DeployException {
    private static final long serialVersionUID = 1L;

    public RetryableDeployException(String message, Throwable cause) {
        super("RETRYABLE", message, cause);
    }
}
