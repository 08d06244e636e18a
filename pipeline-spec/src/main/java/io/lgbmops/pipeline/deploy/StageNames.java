package io.lgbmops.pipeline.deploy;

import java.util.List;

/**
 * The naming scheme of one stage's resources: every physical name starts with
 * {@code lgbmops-<stage>}, so stages never collide in one account, and the deploy function's
 * versioned models and endpoint configs are {@code <endpoint>-v<package version>-<hash>}.
 *
 * @param stage the stage name (lowercase letters and digits)
 */
public record StageNames(String stage) {

    /** Between the endpoint name and the package version in a versioned model or endpoint config name. */
    public static final String VERSION_MARK = "-v";

    public String resourcePrefix() {
        return "lgbmops-" + stage;
    }

    public String stackName(String unit) {
        return "LgbmOps-" + stage + "-" + unit;
    }

    public String modelPackageGroupName() {
        return resourcePrefix() + "-models";
    }

    public String endpointName() {
        return resourcePrefix() + "-endpoint";
    }

    public String pipelineName() {
        return resourcePrefix() + "-pipeline";
    }

    public String repositoryName() {
        return resourcePrefix() + "/lightgbm";
    }

    /**
     * The bucket the pipeline reads raw data from. Account and region (at synth, the deployment's
     * tokens) make the fixed name globally unique, so every stack can scope IAM to it by name.
     */
    public String readBucketName(String account, String region) {
        return resourcePrefix() + "-read-" + account + "-" + region;
    }

    /** The bucket every artifact is written to; named like {@link #readBucketName}. */
    public String writeBucketName(String account, String region) {
        return resourcePrefix() + "-write-" + account + "-" + region;
    }

    /**
     * Prefix of the names of this stage's own log groups (not those AWS services name themselves):
     * the data key's policy lets CloudWatch Logs use the key for these only.
     */
    public String logGroupPrefix() {
        return "/" + resourcePrefix() + "/";
    }

    /** The alarm on the largest per-feature PSI of the endpoint's captured requests. */
    public String maxFeaturePsiAlarmName() {
        return endpointName() + "-drift-max-feature-psi";
    }

    /** The alarm on the prediction-score PSI of the endpoint's captured requests. */
    public String predictionPsiAlarmName() {
        return endpointName() + "-drift-prediction-psi";
    }

    /** The alarms that roll an endpoint update back: 5xx, then latency. */
    public List<String> rollbackAlarmNames() {
        return List.of(endpointName() + "-5xx", endpointName() + "-latency");
    }

    /** An IAM resource pattern matching every versioned name the deploy function gives under {@code prefix}. */
    public static String versionedNames(String prefix) {
        return prefix + VERSION_MARK + "*";
    }
}
