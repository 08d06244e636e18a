package io.lgbmops.deploy;

/**
 * The input is not something this function deploys: malformed JSON, a missing or mistyped field,
 * another event type, another model package group, another endpoint. Never retried usefully;
 * the message names the offending field.
 */
public final class InvalidEventException extends DeployException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidEventException(String field, String message) {
        super("INVALID_EVENT", field + ": " + message, null);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
