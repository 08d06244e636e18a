package io.lgbmops.deploy;

/**
 * A permanent failure that needs a person: the endpoint is Failed or OutOfService, access is
 * denied, SageMaker rejected a request as invalid, the model package does not exist.
 */
public final class DeployFailedException extends DeployException {
    private static final long serialVersionUID = 1L;

    public DeployFailedException(String message, Throwable cause) {
        super("FAILED", message, cause);
    }
}
