package io.lgbmops.deploy;

/** Base of the few errors the handler lets escape; the subtype tells the caller what to do next. */
public abstract class DeployException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String kind;

    DeployException(String kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** Short machine-readable kind, used in the log line. */
    public final String kind() {
        return kind;
    }
}
