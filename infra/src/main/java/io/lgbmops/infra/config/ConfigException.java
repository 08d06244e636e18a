package io.lgbmops.infra.config;

/** A wrong value in the `cdk.json` context (or `-c` overrides); the message names the key and the value. */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
