package io.lgbmops.infra.config;

import io.lgbmops.pipeline.dataset.DatasetContract;
import io.lgbmops.pipeline.dataset.DatasetContractException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything one deployment stage (dev, prod, ...) is configured with. Built only by
 * {@link #fromContext}, which validates each value and names the key of a wrong one.
 *
 * @param name                          stage name, lowercase; part of every stack and physical name
 * @param account                       AWS account id, or null for an environment-agnostic stack (default)
 * @param region                        AWS region, or null for an environment-agnostic stack (default)
 * @param f1Threshold                   default of the pipeline's F1Threshold parameter, in [minF1Threshold, 1] (default 0.9);
 *                                      an execution's threshold is recorded on the package it registers and the
 *                                      deploy Lambda gates on it
 * @param minF1Threshold                the deploy Lambda's floor, in (0, 1] (default 0.5): no package with a lower
 *                                      F1 is deployed, whatever threshold its execution or an approval used
 * @param minDisparateImpact            default of the pipeline's MinDisparateImpact parameter, in [0, 1] (default 0.8,
 *                                      the four-fifths rule): the bias gate fails a model whose disparate impact on
 *                                      any fairness facet of the dataset contract is lower
 * @param maxAbsDppl                    default of the pipeline's MaxAbsDPPL parameter, in [0, 1] (default 0.1): the
 *                                      bias gate fails a model whose |DPPL| on any facet is higher
 * @param processingInstanceType        instance type of preprocessing, evaluation and explain jobs (default ml.m5.xlarge)
 * @param processingInstanceCount       instance count of processing jobs (default 1)
 * @param trainingInstanceType          instance type of tuning's training jobs (default ml.m5.xlarge)
 * @param maxTuningJobs                 training jobs per tuning run (default 20)
 * @param maxParallelTuningJobs         training jobs at once (default 2)
 * @param endpointInstanceType          real-time endpoint instance type (default ml.m5.large)
 * @param endpointInstanceCount         instances the endpoint starts with (default 1)
 * @param minCapacity                   autoscaling floor (default 1)
 * @param maxCapacity                   autoscaling ceiling (default 4)
 * @param targetInvocationsPerInstance  target-tracking value per instance and minute (default 200)
 * @param deploymentStrategy            how an endpoint update shifts traffic (default canary)
 * @param trafficShiftPercent           canary size, or linear step, in percent (default 10)
 * @param waitIntervalMinutes           bake time between traffic shifts (default 5)
 * @param modelsToKeep                  models and endpoint configs kept per endpoint by the deploy Lambda (default 3)
 * @param imagesToKeep                  container images kept in ECR (default 10)
 * @param artifactArchiveDays           days before artifacts in the write bucket move to Glacier Instant Retrieval,
 *                                      still readable in milliseconds by endpoints that scale out (default 90)
 * @param checkpointRetentionDays       days training checkpoints are kept; useless once the job ended (default 14)
 * @param noncurrentVersionRetentionDays days a replaced object version is kept (default 30)
 * @param accessLogRetentionDays        days server access logs are kept (default 365)
 * @param dataRemovalPolicy             what stack deletion does to keys, buckets, repository and model group (default retain)
 * @param datasetFile                   the stage's dataset contract, relative to the repository root (default datasets/census.json)
 * @param dataset                       that contract, read and checked
 * @param deploymentMode                what a newly approved model does to the live endpoint: replace its model
 *                                      (default), join it as an A/B challenger, or run beside it as a shadow
 * @param challengerWeightPercent       share of requests the challenger answers in ab mode, in [1, 99] (default 10)
 * @param shadowSamplingPercent         share of requests copied to the shadow in shadow mode, in [1, 100] (default 100)
 */
public record StageConfig(
        String name,
        String account,
        String region,
        double f1Threshold,
        double minF1Threshold,
        double minDisparateImpact,
        double maxAbsDppl,
        String processingInstanceType,
        int processingInstanceCount,
        String trainingInstanceType,
        int maxTuningJobs,
        int maxParallelTuningJobs,
        String endpointInstanceType,
        int endpointInstanceCount,
        int minCapacity,
        int maxCapacity,
        int targetInvocationsPerInstance,
        DeploymentStrategy deploymentStrategy,
        int trafficShiftPercent,
        int waitIntervalMinutes,
        int modelsToKeep,
        int imagesToKeep,
        int artifactArchiveDays,
        int checkpointRetentionDays,
        int noncurrentVersionRetentionDays,
        int accessLogRetentionDays,
        DataRemovalPolicy dataRemovalPolicy,
        String datasetFile,
        DatasetContract dataset,
        DeploymentMode deploymentMode,
        int challengerWeightPercent,
        int shadowSamplingPercent) {

    /** Traffic shifting of an endpoint update under SageMaker deployment guardrails. */
    public enum DeploymentStrategy { CANARY, LINEAR, ALL_AT_ONCE }

    /**
     * What a newly approved model does when the endpoint already serves one (the deploy Lambda's
     * DEPLOYMENT_MODE): replace it, join as the A/B challenger, or run as its shadow.
     */
    public enum DeploymentMode { REPLACE, AB, SHADOW }

    /** Whether stateful resources survive the deletion of their stack. */
    public enum DataRemovalPolicy { RETAIN, DESTROY }

    static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9]{0,11}$");
    static final Pattern ACCOUNT = Pattern.compile("^\\d{12}$");
    static final Pattern REGION = Pattern.compile("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d$");
    static final Pattern INSTANCE_TYPE = Pattern.compile("^ml\\.[a-z0-9]+\\.[a-z0-9]+$");
    /** A repository-relative path of a .json file, '/'-separated, no way out of the repository. */
    static final Pattern DATASET_FILE = Pattern.compile("^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9_./-]+\\.json$");
    public static final String DEFAULT_DATASET_FILE = "datasets/census.json";

    public StageConfig {
        if (!STAGE_NAME.matcher(name).matches()) {
            throw new ConfigException("stage name must match " + STAGE_NAME.pattern() + ", got \"" + name + "\"");
        }
    }

    /** @param repoRoot the repository root, which {@code dataset} paths are relative to */
    static StageConfig fromContext(String name, Map<String, Object> values, Path repoRoot) {
        if (!STAGE_NAME.matcher(name).matches()) {
            throw new ConfigException("stages." + name + ": stage name must match " + STAGE_NAME.pattern()
                    + " (it becomes part of resource names), got \"" + name + "\"");
        }
        ContextReader in = new ContextReader("stages." + name, values);
        String account = in.optionalString("account", ACCOUNT, "a 12-digit AWS account id");
        String region = in.optionalString("region", REGION, "an AWS region such as eu-west-1");
        double f1Threshold = in.decimal("f1Threshold", 0.9);
        if (!(f1Threshold > 0 && f1Threshold <= 1)) {
            throw new ConfigException(in.path("f1Threshold") + " must be in (0, 1], got " + f1Threshold);
        }
        double minF1Threshold = in.decimal("minF1Threshold", 0.5);
        if (!(minF1Threshold > 0 && minF1Threshold <= 1)) {
            throw new ConfigException(in.path("minF1Threshold") + " must be in (0, 1], got " + minF1Threshold);
        }
        if (f1Threshold < minF1Threshold) {
            // Executions with the default threshold would register models the deploy Lambda refuses.
            throw new ConfigException(in.path("f1Threshold") + " must not be below minF1Threshold (" + minF1Threshold
                    + "), got " + f1Threshold);
        }
        double minDisparateImpact = in.decimal("minDisparateImpact", 0.8);
        if (!(minDisparateImpact >= 0 && minDisparateImpact <= 1)) {
            throw new ConfigException(in.path("minDisparateImpact") + " must be in [0, 1], got " + minDisparateImpact);
        }
        double maxAbsDppl = in.decimal("maxAbsDppl", 0.1);
        if (!(maxAbsDppl >= 0 && maxAbsDppl <= 1)) {
            throw new ConfigException(in.path("maxAbsDppl") + " must be in [0, 1], got " + maxAbsDppl);
        }
        String processingType = in.matching("processingInstanceType", "ml.m5.xlarge", INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.xlarge");
        int processingCount = in.integer("processingInstanceCount", 1, 1, 100);
        String trainingType = in.matching("trainingInstanceType", "ml.m5.xlarge", INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.xlarge");
        int maxTuningJobs = in.integer("maxTuningJobs", 20, 1, 500);
        int maxParallel = in.integer("maxParallelTuningJobs", 2, 1, 100);
        if (maxParallel > maxTuningJobs) {
            throw new ConfigException(in.path("maxParallelTuningJobs") + " must not exceed maxTuningJobs (" + maxTuningJobs + "), got " + maxParallel);
        }
        String endpointType = in.matching("endpointInstanceType", "ml.m5.large", INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.large");
        int endpointCount = in.integer("endpointInstanceCount", 1, 1, 100);
        int minCapacity = in.integer("minCapacity", 1, 1, 100);
        int maxCapacity = in.integer("maxCapacity", 4, 1, 100);
        if (minCapacity > maxCapacity) {
            throw new ConfigException(in.path("minCapacity") + " must not exceed maxCapacity (" + maxCapacity + "), got " + minCapacity);
        }
        if (endpointCount < minCapacity || endpointCount > maxCapacity) {
            throw new ConfigException(in.path("endpointInstanceCount") + " must be within [minCapacity, maxCapacity] = ["
                    + minCapacity + ", " + maxCapacity + "], got " + endpointCount);
        }
        int target = in.integer("targetInvocationsPerInstance", 200, 1, 1_000_000);
        DeploymentStrategy strategy = in.choice("deploymentStrategy", DeploymentStrategy.CANARY, DeploymentStrategy.class);
        int shift = in.integer("trafficShiftPercent", 10, 1, 50);
        int wait = in.integer("waitIntervalMinutes", 5, 0, 60);
        int modelsToKeep = in.integer("modelsToKeep", 3, 1, 50);
        int imagesToKeep = in.integer("imagesToKeep", 10, 1, 1000);
        int archiveDays = in.integer("artifactArchiveDays", 90, 1, 3650);
        int checkpointDays = in.integer("checkpointRetentionDays", 14, 1, 3650);
        int noncurrentDays = in.integer("noncurrentVersionRetentionDays", 30, 1, 3650);
        int accessLogDays = in.integer("accessLogRetentionDays", 365, 1, 3650);
        DataRemovalPolicy removal = in.choice("dataRemovalPolicy", DataRemovalPolicy.RETAIN, DataRemovalPolicy.class);
        String datasetFile = in.matching("dataset", DEFAULT_DATASET_FILE, DATASET_FILE,
                "a .json file relative to the repository root, such as datasets/churn.json");
        DeploymentMode mode = in.choice("deploymentMode", DeploymentMode.REPLACE, DeploymentMode.class);
        int challengerWeight = in.integer("challengerWeightPercent", 10, 1, 99);
        int shadowSampling = in.integer("shadowSamplingPercent", 100, 1, 100);
        in.rejectUnknownKeys();
        DatasetContract dataset;
        try {
            dataset = DatasetContract.read(repoRoot.resolve(datasetFile), datasetFile);
        } catch (DatasetContractException e) {
            throw new ConfigException(in.path("dataset") + ": " + e.getMessage());
        }
        return new StageConfig(name, account, region, f1Threshold, minF1Threshold, minDisparateImpact, maxAbsDppl, processingType, processingCount, trainingType,
                maxTuningJobs, maxParallel, endpointType, endpointCount, minCapacity, maxCapacity, target,
                strategy, shift, wait, modelsToKeep, imagesToKeep, archiveDays, checkpointDays, noncurrentDays, accessLogDays, removal,
                datasetFile, dataset, mode, challengerWeight, shadowSampling);
    }

    /** Prefix of every physical name of this stage, so stages never collide in one account. */
    public String resourcePrefix() {
        return "lgbmops-" + name;
    }

    public String stackName(String unit) {
        return "LgbmOps-" + name + "-" + unit;
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

    /** The batch scoring pipeline ({@code lgbmops-<stage>-batch}). */
    public String batchPipelineName() {
        return resourcePrefix() + "-batch";
    }

    public String repositoryName() {
        return resourcePrefix() + "/lightgbm";
    }
}
