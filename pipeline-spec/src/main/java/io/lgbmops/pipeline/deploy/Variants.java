package io.lgbmops.pipeline.deploy;

/**
 * The endpoint's production and shadow variant names. Fixed whatever model version a variant runs,
 * so autoscaling's resource ids and the alarms whose dimensions name a variant follow every new
 * version without being redeployed.
 */
public final class Variants {

    /** The champion's production variant (the only one in replace mode). */
    public static final String CHAMPION = "AllTraffic";
    /** The A/B challenger's production variant. */
    public static final String CHALLENGER = "Challenger";
    /** The shadow variant, which gets a copy of the requests and answers none. */
    public static final String SHADOW = "Shadow";

    private Variants() {}

    /** The variant a newly approved package joins as in {@code mode} (A/B or shadow). */
    public static String newcomer(DeploySettings.DeploymentMode mode) {
        return mode == DeploySettings.DeploymentMode.AB ? CHALLENGER : SHADOW;
    }
}
