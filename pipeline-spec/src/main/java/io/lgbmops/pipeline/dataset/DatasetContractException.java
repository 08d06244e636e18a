package io.lgbmops.pipeline.dataset;

/** A dataset contract that breaks a rule; the one-line message names the file, the key and the value. */
public final class DatasetContractException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public DatasetContractException(String message) {
        super(message);
    }
}
