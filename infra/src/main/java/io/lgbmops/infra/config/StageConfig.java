package io.lgbmops.infra.config;

import io.lgbmops.pipeline.ClarifyImage;
import io.lgbmops.pipeline.Explainability;
import io.lgbmops.pipeline.MonitorPipeline;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.dataset.DatasetContract;
import io.lgbmops.pipeline.dataset.DatasetContractException;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.DeploySettings.DeploymentMode;
import io.lgbmops.pipeline.deploy.DeploySettings.InvalidSettingException;
import io.lgbmops.pipeline.deploy.DeploySettings.Setting;
import io.lgbmops.pipeline.deploy.DeploySettings.TrafficStrategy;
import io.lgbmops.pipeline.deploy.F1Gate;
import io.lgbmops.pipeline.deploy.StageNames;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awscdk.Aws;

/**
 * Everything one deployment stage (dev, prod, ...) is configured with. Built only by
 * {@link #fromContext}, which validates each value and names the key of a wrong one. The defaults
 * and ranges of the pipeline's values are {@link PipelineSettings}'s, those of the deploy
 * function's values {@link DeploySettings}'s; this record builds both ({@link #pipelineSettings()},
 * {@link #deploySettings}) and names its resources by {@link StageNames}. The defaults of the
 * stage's other values are stated at each parameter.
 *
 * @param name                          stage name, lowercase; part of every stack and physical name
 * @param account                       AWS account id, or null for an environment-agnostic stack (default)
 * @param region                        AWS region, or null for an environment-agnostic stack (default)
 * @param f1Threshold                   default of the pipeline's F1Threshold parameter, in [minF1Threshold, 1];
 *                                      an execution's threshold is recorded on the package it registers and the
 *                                      deploy Lambda gates on it
 * @param minF1Threshold                the deploy Lambda's floor: no package with a lower F1 is deployed, whatever
 *                                      threshold its execution or an approval used
 * @param minDisparateImpact            default of the pipeline's MinDisparateImpact parameter, in [0, 1]: the bias
 *                                      gate fails a model whose disparate impact on any fairness facet of the
 *                                      dataset contract is lower
 * @param maxAbsDppl                    default of the pipeline's MaxAbsDPPL parameter, in [0, 1]: the bias gate
 *                                      fails a model whose |DPPL| on any facet is higher
 * @param processingInstanceType        instance type of preprocessing, evaluation and explain jobs
 * @param processingInstanceCount       instance count of processing jobs
 * @param trainingInstanceType          instance type of tuning's training jobs
 * @param maxTuningJobs                 training jobs per tuning run
 * @param maxParallelTuningJobs         training jobs at once
 * @param endpointInstanceType          real-time endpoint instance type
 * @param endpointInstanceCount         instances the endpoint starts with
 * @param minCapacity                   autoscaling floor
 * @param maxCapacity                   autoscaling ceiling
 * @param targetInvocationsPerInstance  target-tracking value per instance and minute
 * @param deploymentStrategy            how an endpoint update shifts traffic
 * @param trafficShiftPercent           canary size, or linear step, in percent
 * @param waitIntervalMinutes           bake time between traffic shifts, in [0, 60]
 * @param modelsToKeep                  models and endpoint configs kept per endpoint by the deploy Lambda
 * @param imagesToKeep                  container images kept in ECR (default 10)
 * @param artifactArchiveDays           days before artifacts in the write bucket move to Glacier Instant Retrieval,
 *                                      still readable in milliseconds by endpoints that scale out (default 90)
 * @param checkpointRetentionDays       days training checkpoints are kept; useless once the job ended (default 14)
 * @param noncurrentVersionRetentionDays days a replaced object version is kept (default 30)
 * @param accessLogRetentionDays        days server access logs are kept (default 365)
 * @param dataRemovalPolicy             what stack deletion does to keys, buckets, repository and model group (default retain)
 * @param datasetFile                   the stage's dataset contract, relative to the repository root (default datasets/census.json)
 * @param dataset                       that contract, read and checked
 * @param deploymentMode                what a newly approved model does to the live endpoint: replace its model,
 *                                      join it as an A/B challenger, or run beside it as a shadow
 * @param challengerWeightPercent       share of requests the challenger answers in ab mode
 * @param shadowSamplingPercent         share of requests copied to the shadow in shadow mode
 * @param monitoring                    data capture, the monitoring pipeline's schedule and window, drift alarms, retraining
 * @param explainability                who computes bias and SHAP: our Explain step (native, default, every account) or
 *                                      SageMaker Clarify (clarify, only accounts that still have it)
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
        TrafficStrategy deploymentStrategy,
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
        int shadowSamplingPercent,
        MonitoringConfig monitoring,
        Explainability explainability) {

    /** Whether stateful resources survive the deletion of their stack. */
    public enum DataRemovalPolicy { RETAIN, DESTROY }

    static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9]{0,11}$");
    static final Pattern ACCOUNT = Pattern.compile("^\\d{12}$");
    static final Pattern REGION = Pattern.compile("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d$");
    static final Pattern INSTANCE_TYPE = DeploySettings.INSTANCE_TYPE;
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
        double f1Threshold = in.decimal("f1Threshold", PipelineSettings.DEFAULT_F1_THRESHOLD);
        if (!F1Gate.isThreshold(f1Threshold)) {
            throw new ConfigException(in.path("f1Threshold") + " must be in (0, 1], got " + f1Threshold);
        }
        double minF1Threshold = in.decimal(Setting.MIN_F1_THRESHOLD.stageKey(), DeploySettings.DEFAULT_MIN_F1_THRESHOLD);
        if (F1Gate.isThreshold(minF1Threshold) && f1Threshold < minF1Threshold) {
            // Executions with the default threshold would register models the deploy Lambda refuses.
            throw new ConfigException(in.path("f1Threshold") + " must not be below minF1Threshold (" + minF1Threshold
                    + "), got " + f1Threshold);
        }
        double minDisparateImpact = in.decimal("minDisparateImpact", PipelineSettings.DEFAULT_MIN_DISPARATE_IMPACT);
        if (!PipelineSettings.isBiasLimit(minDisparateImpact)) {
            throw new ConfigException(in.path("minDisparateImpact") + " must be in [0, 1], got " + minDisparateImpact);
        }
        double maxAbsDppl = in.decimal("maxAbsDppl", PipelineSettings.DEFAULT_MAX_ABS_DPPL);
        if (!PipelineSettings.isBiasLimit(maxAbsDppl)) {
            throw new ConfigException(in.path("maxAbsDppl") + " must be in [0, 1], got " + maxAbsDppl);
        }
        String processingType = in.matching("processingInstanceType", PipelineSettings.DEFAULT_PROCESSING_INSTANCE_TYPE,
                INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.xlarge");
        int processingCount = in.integer("processingInstanceCount", PipelineSettings.DEFAULT_PROCESSING_INSTANCE_COUNT, 1, 100);
        String trainingType = in.matching("trainingInstanceType", PipelineSettings.DEFAULT_TRAINING_INSTANCE_TYPE,
                INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.xlarge");
        int maxTuningJobs = in.integer("maxTuningJobs", PipelineSettings.DEFAULT_MAX_TUNING_JOBS, 1, 500);
        int maxParallel = in.integer("maxParallelTuningJobs", PipelineSettings.DEFAULT_MAX_PARALLEL_TUNING_JOBS, 1, 100);
        if (maxParallel > maxTuningJobs) {
            throw new ConfigException(in.path("maxParallelTuningJobs") + " must not exceed maxTuningJobs (" + maxTuningJobs + "), got " + maxParallel);
        }
        // The deploy function's values: read here, checked by DeploySettings below.
        String endpointType = in.string(Setting.INSTANCE_TYPE.stageKey(), DeploySettings.DEFAULT_INSTANCE_TYPE);
        int endpointCount = in.integer(Setting.INITIAL_INSTANCE_COUNT.stageKey(), DeploySettings.DEFAULT_INITIAL_INSTANCE_COUNT);
        int minCapacity = in.integer(Setting.AUTOSCALING_MIN_CAPACITY.stageKey(), DeploySettings.DEFAULT_MIN_CAPACITY);
        int maxCapacity = in.integer(Setting.AUTOSCALING_MAX_CAPACITY.stageKey(), DeploySettings.DEFAULT_MAX_CAPACITY);
        int target = in.integer(Setting.AUTOSCALING_TARGET_INVOCATIONS.stageKey(),
                DeploySettings.DEFAULT_TARGET_INVOCATIONS);
        TrafficStrategy strategy = in.choice(Setting.DEPLOYMENT_STRATEGY.stageKey(), DeploySettings.DEFAULT_STRATEGY,
                TrafficStrategy.class);
        int shift = in.integer(Setting.TRAFFIC_STEP_PERCENT.stageKey(), DeploySettings.DEFAULT_TRAFFIC_STEP_PERCENT);
        // Minutes here, seconds in the function's setting: the bound is checked before the conversion.
        int wait = in.integer(Setting.TRAFFIC_WAIT_SECONDS.stageKey(), DeploySettings.DEFAULT_TRAFFIC_WAIT_SECONDS / 60,
                0, 60);
        int modelsToKeep = in.integer(Setting.KEEP_LAST_VERSIONS.stageKey(), DeploySettings.DEFAULT_KEEP_LAST_VERSIONS);
        int imagesToKeep = in.integer("imagesToKeep", 10, 1, 1000);
        int archiveDays = in.integer("artifactArchiveDays", 90, 1, 3650);
        int checkpointDays = in.integer("checkpointRetentionDays", 14, 1, 3650);
        int noncurrentDays = in.integer("noncurrentVersionRetentionDays", 30, 1, 3650);
        int accessLogDays = in.integer("accessLogRetentionDays", 365, 1, 3650);
        DataRemovalPolicy removal = in.choice("dataRemovalPolicy", DataRemovalPolicy.RETAIN, DataRemovalPolicy.class);
        String datasetFile = in.matching("dataset", DEFAULT_DATASET_FILE, DATASET_FILE,
                "a .json file relative to the repository root, such as datasets/churn.json");
        DeploymentMode mode = in.choice(Setting.DEPLOYMENT_MODE.stageKey(), DeploySettings.DEFAULT_MODE, DeploymentMode.class);
        int challengerWeight = in.integer(Setting.CHALLENGER_WEIGHT_PERCENT.stageKey(),
                DeploySettings.DEFAULT_CHALLENGER_WEIGHT_PERCENT);
        int shadowSampling = in.integer(Setting.SHADOW_SAMPLING_PERCENT.stageKey(),
                DeploySettings.DEFAULT_SHADOW_SAMPLING_PERCENT);
        MonitoringConfig monitoring = MonitoringConfig.fromContext(in);
        Explainability explainability = explainability(in, region);
        in.rejectUnknownKeys();
        DatasetContract dataset;
        try {
            dataset = DatasetContract.read(repoRoot.resolve(datasetFile), datasetFile);
        } catch (DatasetContractException e) {
            throw new ConfigException(in.path("dataset") + ": " + e.getMessage());
        }
        StageConfig stage = new StageConfig(name, account, region, f1Threshold, minF1Threshold, minDisparateImpact, maxAbsDppl, processingType, processingCount, trainingType,
                maxTuningJobs, maxParallel, endpointType, endpointCount, minCapacity, maxCapacity, target,
                strategy, shift, wait, modelsToKeep, imagesToKeep, archiveDays, checkpointDays, noncurrentDays, accessLogDays, removal,
                datasetFile, dataset, mode, challengerWeight, shadowSampling, monitoring, explainability);
        try {
            // The role is the one required value a stage does not give; any valid ARN checks the rest.
            stage.deploySettings("arn:aws:iam::111122223333:role/validation", null);
        } catch (InvalidSettingException e) {
            // The owner's rule names the function's variables; here each is the stage key it came from.
            String rule = e.rule();
            for (Setting setting : Setting.values()) {
                if (setting.stageKey() != null) {
                    rule = rule.replace(setting.name(), setting.stageKey());
                }
            }
            Object value = e.value() instanceof String text ? "\"" + text + "\"" : e.value();
            throw new ConfigException(in.path(e.setting().stageKey()) + " " + rule + ", got " + value);
        }
        return stage;
    }

    private static Explainability explainability(ContextReader in, String region) {
        String value = in.string("explainability", Explainability.DEFAULT.configName());
        Explainability mode;
        try {
            mode = Explainability.fromConfigName(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(in.path("explainability") + " must be one of "
                    + String.join(", ", Explainability.configNames()) + ", got \"" + value + "\"");
        }
        if (mode == Explainability.CLARIFY && region != null && !ClarifyImage.REGISTRY_ACCOUNTS.containsKey(region)) {
            throw new ConfigException(in.path("explainability") + " is clarify, but no SageMaker Clarify image is known"
                    + " for region " + region);
        }
        return mode;
    }

    /**
     * The deploy function's settings for this stage.
     *
     * @param modelRoleArn the role SageMaker runs the model with (a token at synth time)
     * @param kmsKeyArn    the key of the endpoint's storage volume, or null for none
     */
    public DeploySettings deploySettings(String modelRoleArn, String kmsKeyArn) {
        DeploySettings.Builder settings = DeploySettings.builder(modelPackageGroupName(), endpointName(), modelRoleArn)
                .kmsKeyId(kmsKeyArn)
                .minF1Threshold(minF1Threshold)
                .instanceType(endpointInstanceType)
                .initialInstanceCount(endpointInstanceCount)
                .minCapacity(minCapacity)
                .maxCapacity(maxCapacity)
                .targetInvocationsPerInstance(targetInvocationsPerInstance)
                .strategy(deploymentStrategy)
                .trafficStepPercent(trafficShiftPercent)
                .trafficWaitSeconds(waitIntervalMinutes * 60)
                .rollbackAlarmNames(names().rollbackAlarmNames())
                .keepLastVersions(modelsToKeep)
                .mode(deploymentMode)
                .challengerWeightPercent(challengerWeightPercent)
                .shadowSamplingPercent(shadowSamplingPercent);
        if (monitoring.enabled()) {
            settings.dataCapture(monitoring.dataCapturePercent(), captureUri())
                    .metricsNamespace(MonitorPipeline.METRICS_NAMESPACE);
        }
        if (monitoring.retrainOnDrift()) {
            settings.trainingPipelineName(pipelineName()).retrainMinHours(monitoring.retrainMinHours());
        }
        return settings.build();
    }

    /** The pipeline's settings this stage decides; the stack adds the resources (image, roles, bucket, key, function). */
    public PipelineSettings.Builder pipelineSettings() {
        return PipelineSettings.builder()
                .modelPackageGroupName(modelPackageGroupName())
                .endpointName(endpointName())
                .processingInstanceType(processingInstanceType)
                .processingInstanceCount(processingInstanceCount)
                .trainingInstanceType(trainingInstanceType)
                .deployInstanceType(endpointInstanceType)
                .deployInstanceCount(endpointInstanceCount)
                .f1Threshold(f1Threshold)
                .minDisparateImpact(minDisparateImpact)
                .maxAbsDppl(maxAbsDppl)
                .maxTuningJobs(maxTuningJobs)
                .maxParallelTuningJobs(maxParallelTuningJobs)
                .explainability(explainability);
    }

    public StageNames names() {
        return new StageNames(name);
    }

    /** Prefix of every physical name of this stage, so stages never collide in one account. */
    public String resourcePrefix() {
        return names().resourcePrefix();
    }

    public String stackName(String unit) {
        return names().stackName(unit);
    }

    public String modelPackageGroupName() {
        return names().modelPackageGroupName();
    }

    public String endpointName() {
        return names().endpointName();
    }

    public String pipelineName() {
        return names().pipelineName();
    }

    public String monitorPipelineName() {
        return resourcePrefix() + "-monitor";
    }

    /** The batch scoring pipeline ({@code lgbmops-<stage>-batch}). */
    public String batchPipelineName() {
        return resourcePrefix() + "-batch";
    }

    /** The read bucket's name in the deploying account and region. */
    public String readBucketName() {
        return names().readBucketName(Aws.ACCOUNT_ID, Aws.REGION);
    }

    /** The write bucket's name in the deploying account and region. */
    public String writeBucketName() {
        return names().writeBucketName(Aws.ACCOUNT_ID, Aws.REGION);
    }

    /** {@code s3://<write bucket>/datacapture}: where the endpoint's data capture goes. */
    public String captureUri() {
        return "s3://" + writeBucketName() + "/" + MonitorPipeline.CAPTURE_PREFIX;
    }

    public String repositoryName() {
        return names().repositoryName();
    }
}
