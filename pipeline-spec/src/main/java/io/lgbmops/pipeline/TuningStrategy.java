package io.lgbmops.pipeline;

/** How the tuning job picks the next hyperparameters to try. */
public enum TuningStrategy {
    /** Models the objective from finished jobs; the better choice for 20 jobs. */
    BAYESIAN("Bayesian"),
    /** Independent draws; parallelizes without loss, a fair baseline for comparison. */
    RANDOM("Random");

    private final String apiName;

    TuningStrategy(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }
}
