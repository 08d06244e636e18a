package io.lgbmops.pipeline;

import java.util.Locale;

/** How the tuning job picks the next hyperparameters to try. */
public enum TuningStrategy {
    /** Models the objective from finished jobs; the better choice for 20 jobs. */
    BAYESIAN,
    /** Independent draws; parallelizes without loss, a fair baseline for comparison. */
    RANDOM;

    /** The name SageMaker knows the strategy by: the constant's, capitalised ({@code Bayesian}). */
    public String apiName() {
        return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
    }
}
