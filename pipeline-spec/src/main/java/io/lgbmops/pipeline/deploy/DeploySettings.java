package io.lgbmops.pipeline.deploy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything the deploy function is configured with: the one owner of each setting's environment
 * name, default and valid range. The infra stage config builds it from cdk.json and writes it with
 * {@link #toEnvironment()}; the function reads it back with {@link #fromEnvironment(Map)}. Plain
 * Java only, so the Lambda jar carries these few classes and nothing of the pipeline model.
 *
 * <p>{@code executionRoleArn} and {@code kmsKeyId} may be unresolved CDK tokens at synth time
 * ({@link Checks#isUnresolved}); CloudFormation resolves them before the function ever reads them.
 *
 * @param modelPackageGroupName       the only group whose packages are deployed
 * @param endpointName                the endpoint the function owns; also the prefix of its
 *                                    models and endpoint configs
 * @param executionRoleArn            role SageMaker assumes to run the model
 * @param kmsKeyId                    key for the endpoint's ML storage volumes; empty: none
 * @param minF1Threshold              the stage's floor of the F1 gate: no package with a lower F1 is
 *                                    deployed, whatever threshold its execution used
 * @param instanceType                default instance type (pipeline input may override)
 * @param initialInstanceCount        default initial instance count (pipeline input may override),
 *                                    within [minCapacity, maxCapacity]
 * @param minCapacity                 autoscaling minimum instance count
 * @param maxCapacity                 autoscaling maximum instance count
 * @param targetInvocationsPerInstance target of SageMakerVariantInvocationsPerInstance (per minute)
 * @param scaleInCooldownSeconds      autoscaling scale-in cooldown
 * @param scaleOutCooldownSeconds     autoscaling scale-out cooldown
 * @param strategy                    traffic shifting on updates
 * @param trafficStepPercent          canary size or linear step, percent of the new fleet
 * @param trafficWaitSeconds          wait between traffic shifts (baking time)
 * @param terminationWaitSeconds      how long the old fleet is kept after the shift
 * @param maxExecutionTimeoutSeconds  upper bound of a blue/green update; empty: SageMaker's default
 * @param rollbackAlarmNames          CloudWatch alarms (5xx, latency) that roll an update back
 * @param keepLastVersions            models/endpoint configs kept besides the ones in use
 * @param networkIsolation            run the model container without network access
 * @param mode                        what an approved package does to a live endpoint: replace its
 *                                    model, join it as an A/B challenger, or run beside it as a shadow
 * @param challengerWeightPercent     share of live traffic the challenger answers in {@code AB} mode
 * @param shadowSamplingPercent       share of live requests copied to the shadow in {@code SHADOW} mode
 * @param dataCapturePercent          share of requests (and their answers) the endpoint keeps in S3, for
 *                                    the monitoring pipeline; 0: no capture
 * @param dataCaptureS3Uri            where captures go; SageMaker adds {@code <endpoint>/<variant>/yyyy/mm/dd/hh/};
 *                                    required when {@code dataCapturePercent} is above 0
 * @param metricsNamespace            CloudWatch namespace of the monitoring figures; empty: the
 *                                    publish-metrics operation is refused
 * @param trainingPipelineName        the pipeline the retrain operation starts; empty: retrain is refused
 * @param retrainMinHours             the retrain operation starts nothing while the training pipeline's
 *                                    latest execution started less than this many hours ago
 */
public record DeploySettings(
        String modelPackageGroupName,
        String endpointName,
        String executionRoleArn,
        Optional<String> kmsKeyId,
        double minF1Threshold,
        String instanceType,
        int initialInstanceCount,
        int minCapacity,
        int maxCapacity,
        double targetInvocationsPerInstance,
        int scaleInCooldownSeconds,
        int scaleOutCooldownSeconds,
        TrafficStrategy strategy,
        int trafficStepPercent,
        int trafficWaitSeconds,
        int terminationWaitSeconds,
        Optional<Integer> maxExecutionTimeoutSeconds,
        List<String> rollbackAlarmNames,
        int keepLastVersions,
        boolean networkIsolation,
        DeploymentMode mode,
        int challengerWeightPercent,
        int shadowSamplingPercent,
        int dataCapturePercent,
        Optional<String> dataCaptureS3Uri,
        Optional<String> metricsNamespace,
        Optional<String> trainingPipelineName,
        int retrainMinHours) {

    /** How UpdateEndpoint shifts traffic to the new fleet (SageMaker deployment guardrails). */
    public enum TrafficStrategy { CANARY, LINEAR, ALL_AT_ONCE }

    /**
     * What an approved package does when the endpoint already serves a model: {@code REPLACE} it
     * (blue/green), join as the {@code AB} challenger beside it, or run as its {@code SHADOW}.
     */
    public enum DeploymentMode { REPLACE, AB, SHADOW }

    /**
     * The function's environment variables, one per setting: the constant's name is the variable's,
     * {@link #stageKey()} the cdk.json key a stage sets it with (null: the stack or the default decides).
     */
    public enum Setting {
        MODEL_PACKAGE_GROUP_NAME(null),
        ENDPOINT_NAME(null),
        EXECUTION_ROLE_ARN(null),
        KMS_KEY_ID(null),
        MIN_F1_THRESHOLD("minF1Threshold"),
        INSTANCE_TYPE("endpointInstanceType"),
        INITIAL_INSTANCE_COUNT("endpointInstanceCount"),
        AUTOSCALING_MIN_CAPACITY("minCapacity"),
        AUTOSCALING_MAX_CAPACITY("maxCapacity"),
        AUTOSCALING_TARGET_INVOCATIONS("targetInvocationsPerInstance"),
        AUTOSCALING_SCALE_IN_COOLDOWN_SECONDS(null),
        AUTOSCALING_SCALE_OUT_COOLDOWN_SECONDS(null),
        DEPLOYMENT_STRATEGY("deploymentStrategy"),
        TRAFFIC_STEP_PERCENT("trafficShiftPercent"),
        /** Set in minutes by a stage ({@code waitIntervalMinutes}), in seconds here. */
        TRAFFIC_WAIT_SECONDS("waitIntervalMinutes"),
        TERMINATION_WAIT_SECONDS(null),
        MAX_EXECUTION_TIMEOUT_SECONDS(null),
        ROLLBACK_ALARM_NAMES(null),
        KEEP_LAST_VERSIONS("modelsToKeep"),
        ENABLE_NETWORK_ISOLATION(null),
        DEPLOYMENT_MODE("deploymentMode"),
        CHALLENGER_WEIGHT_PERCENT("challengerWeightPercent"),
        SHADOW_SAMPLING_PERCENT("shadowSamplingPercent"),
        DATA_CAPTURE_SAMPLING_PERCENT("dataCapturePercent"),
        DATA_CAPTURE_S3_URI(null),
        METRICS_NAMESPACE(null),
        TRAINING_PIPELINE_NAME(null),
        RETRAIN_MIN_HOURS("retrainMinHours");

        private final String stageKey;

        Setting(String stageKey) {
            this.stageKey = stageKey;
        }

        public String stageKey() {
            return stageKey;
        }
    }

    /**
     * The gate's former variable: a deployment still setting it would silently get the default
     * floor instead, so {@link #fromEnvironment} refuses it by name.
     */
    public static final String RETIRED_F1_THRESHOLD = "F1_THRESHOLD";

    public static final double DEFAULT_MIN_F1_THRESHOLD = 0.5;
    public static final String DEFAULT_INSTANCE_TYPE = "ml.m5.large";
    public static final int DEFAULT_INITIAL_INSTANCE_COUNT = 1;
    public static final int DEFAULT_MIN_CAPACITY = 1;
    public static final int DEFAULT_MAX_CAPACITY = 4;
    /**
     * Invocations per instance and minute that target tracking holds. The value every stage has
     * been deployed with; far below what one ml.m5.large serves (thousands of single-row requests a
     * second in the container benchmark), so scaling reacts to traffic long before latency does.
     */
    public static final int DEFAULT_TARGET_INVOCATIONS = 200;
    public static final int DEFAULT_SCALE_IN_COOLDOWN_SECONDS = 300;
    public static final int DEFAULT_SCALE_OUT_COOLDOWN_SECONDS = 60;
    public static final TrafficStrategy DEFAULT_STRATEGY = TrafficStrategy.CANARY;
    public static final int DEFAULT_TRAFFIC_STEP_PERCENT = 10;
    public static final int DEFAULT_TRAFFIC_WAIT_SECONDS = 300;
    public static final int DEFAULT_TERMINATION_WAIT_SECONDS = 300;
    public static final int DEFAULT_KEEP_LAST_VERSIONS = 3;
    public static final boolean DEFAULT_NETWORK_ISOLATION = true;
    public static final DeploymentMode DEFAULT_MODE = DeploymentMode.REPLACE;
    public static final int DEFAULT_CHALLENGER_WEIGHT_PERCENT = 10;
    public static final int DEFAULT_SHADOW_SAMPLING_PERCENT = 100;
    public static final int DEFAULT_DATA_CAPTURE_PERCENT = 0;
    public static final int DEFAULT_RETRAIN_MIN_HOURS = 24;

    /** SageMaker's name pattern (endpoints, models, endpoint configs, model package groups). */
    public static final Pattern RESOURCE_NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");
    public static final Pattern INSTANCE_TYPE = Pattern.compile("^ml\\.[a-z0-9]+\\.[a-z0-9]+$");
    static final Pattern ROLE_ARN = Pattern.compile("^arn:aws[a-z-]*:iam::\\d{12}:role/\\S+$");
    /** CloudWatch's rule for a namespace, without the reserved {@code AWS/} prefix. */
    static final Pattern METRICS_NAMESPACE = Pattern.compile("^(?!AWS/)[A-Za-z0-9.\\-_/#:]{1,255}$");
    static final Pattern S3_PREFIX = Checks.s3Uri("(/[^\\s]*)?");
    /** Most instances one variant may start with or scale to, as the function accepts. */
    public static final int MAX_INSTANCES = 100;

    public DeploySettings {
        requireMatch(Setting.MODEL_PACKAGE_GROUP_NAME, modelPackageGroupName, RESOURCE_NAME);
        requireMatch(Setting.ENDPOINT_NAME, endpointName, RESOURCE_NAME);
        if (executionRoleArn == null || !Checks.isUnresolved(executionRoleArn)) {
            requireMatch(Setting.EXECUTION_ROLE_ARN, executionRoleArn, ROLE_ARN);
        }
        if (instanceType == null || !INSTANCE_TYPE.matcher(instanceType).matches()) {
            throw new InvalidSettingException(Setting.INSTANCE_TYPE, instanceType,
                    "must be a SageMaker instance type such as " + DEFAULT_INSTANCE_TYPE);
        }
        kmsKeyId = kmsKeyId == null ? Optional.empty() : kmsKeyId.filter(k -> !k.isBlank());
        if (!F1Gate.isThreshold(minF1Threshold)) {
            throw new InvalidSettingException(Setting.MIN_F1_THRESHOLD, minF1Threshold, "must be in (0, 1]");
        }
        requireRange(Setting.AUTOSCALING_MIN_CAPACITY, minCapacity, 1, MAX_INSTANCES);
        if (maxCapacity < minCapacity) {
            throw new InvalidSettingException(Setting.AUTOSCALING_MAX_CAPACITY, maxCapacity,
                    "must not be below " + Setting.AUTOSCALING_MIN_CAPACITY + " (" + minCapacity + ")");
        }
        requireRange(Setting.AUTOSCALING_MAX_CAPACITY, maxCapacity, 1, MAX_INSTANCES);
        requireRange(Setting.INITIAL_INSTANCE_COUNT, initialInstanceCount, minCapacity, maxCapacity);
        if (!(targetInvocationsPerInstance > 0 && targetInvocationsPerInstance <= 1_000_000)) {
            throw new InvalidSettingException(Setting.AUTOSCALING_TARGET_INVOCATIONS,
                    number(targetInvocationsPerInstance), "must be in (0, 1000000]");
        }
        requireRange(Setting.AUTOSCALING_SCALE_IN_COOLDOWN_SECONDS, scaleInCooldownSeconds, 0, 86_400);
        requireRange(Setting.AUTOSCALING_SCALE_OUT_COOLDOWN_SECONDS, scaleOutCooldownSeconds, 0, 86_400);
        strategy = strategy == null ? DEFAULT_STRATEGY : strategy;
        // SageMaker: a canary is at most half the new fleet, a linear step 10-50% of it.
        requireRange(Setting.TRAFFIC_STEP_PERCENT, trafficStepPercent,
                strategy == TrafficStrategy.LINEAR ? 10 : 1, 50);
        requireRange(Setting.TRAFFIC_WAIT_SECONDS, trafficWaitSeconds, 0, 3_600);
        requireRange(Setting.TERMINATION_WAIT_SECONDS, terminationWaitSeconds, 0, 3_600);
        maxExecutionTimeoutSeconds = maxExecutionTimeoutSeconds == null ? Optional.empty() : maxExecutionTimeoutSeconds;
        maxExecutionTimeoutSeconds.ifPresent(v -> requireRange(Setting.MAX_EXECUTION_TIMEOUT_SECONDS, v, 600, 14_400));
        rollbackAlarmNames = rollbackAlarmNames == null ? List.of() : List.copyOf(rollbackAlarmNames);
        requireRange(Setting.KEEP_LAST_VERSIONS, keepLastVersions, 1, 50);
        mode = mode == null ? DEFAULT_MODE : mode;
        requireRange(Setting.CHALLENGER_WEIGHT_PERCENT, challengerWeightPercent, 1, 99);
        requireRange(Setting.SHADOW_SAMPLING_PERCENT, shadowSamplingPercent, 1, 100);
        requireRange(Setting.DATA_CAPTURE_SAMPLING_PERCENT, dataCapturePercent, 0, 100);
        // One form, without the trailing slash, so the capture prefix and the config names do not depend on how it was written.
        dataCaptureS3Uri = dataCaptureS3Uri == null ? Optional.empty()
                : dataCaptureS3Uri.filter(u -> !u.isBlank()).map(u -> u.replaceAll("/+$", ""));
        dataCaptureS3Uri.filter(u -> !Checks.isUnresolved(u)).ifPresent(u -> requireMatch(Setting.DATA_CAPTURE_S3_URI, u, S3_PREFIX));
        if (dataCapturePercent > 0 && dataCaptureS3Uri.isEmpty()) {
            throw new IllegalArgumentException("environment variable " + Setting.DATA_CAPTURE_S3_URI + " is required when "
                    + Setting.DATA_CAPTURE_SAMPLING_PERCENT + " is above 0, got " + dataCapturePercent);
        }
        metricsNamespace = metricsNamespace == null ? Optional.empty() : metricsNamespace.filter(n -> !n.isBlank());
        metricsNamespace.ifPresent(n -> requireMatch(Setting.METRICS_NAMESPACE, n, METRICS_NAMESPACE));
        trainingPipelineName = trainingPipelineName == null ? Optional.empty()
                : trainingPipelineName.filter(n -> !n.isBlank());
        trainingPipelineName.ifPresent(n -> requireMatch(Setting.TRAINING_PIPELINE_NAME, n, RESOURCE_NAME));
        requireRange(Setting.RETRAIN_MIN_HOURS, retrainMinHours, 1, 24 * 30);
    }

    /** Settings with the three required values and every other one at its default. */
    public static Builder builder(String modelPackageGroupName, String endpointName, String executionRoleArn) {
        return new Builder(modelPackageGroupName, endpointName, executionRoleArn);
    }

    /** Reads the settings from a variable map (the process environment in Lambda). */
    public static DeploySettings fromEnvironment(Map<String, String> env) {
        Reader r = new Reader(env);
        if (r.optional(RETIRED_F1_THRESHOLD) != null) {
            throw new IllegalArgumentException("environment variable " + RETIRED_F1_THRESHOLD + " is no longer read: "
                    + "the gate is the threshold of the package's execution, at least " + Setting.MIN_F1_THRESHOLD
                    + "; set " + Setting.MIN_F1_THRESHOLD);
        }
        return new DeploySettings(
                r.required(Setting.MODEL_PACKAGE_GROUP_NAME),
                r.required(Setting.ENDPOINT_NAME),
                r.required(Setting.EXECUTION_ROLE_ARN),
                Optional.ofNullable(r.optional(Setting.KMS_KEY_ID.name())),
                r.decimal(Setting.MIN_F1_THRESHOLD, DEFAULT_MIN_F1_THRESHOLD),
                r.string(Setting.INSTANCE_TYPE, DEFAULT_INSTANCE_TYPE),
                r.integer(Setting.INITIAL_INSTANCE_COUNT, DEFAULT_INITIAL_INSTANCE_COUNT),
                r.integer(Setting.AUTOSCALING_MIN_CAPACITY, DEFAULT_MIN_CAPACITY),
                r.integer(Setting.AUTOSCALING_MAX_CAPACITY, DEFAULT_MAX_CAPACITY),
                r.decimal(Setting.AUTOSCALING_TARGET_INVOCATIONS, DEFAULT_TARGET_INVOCATIONS),
                r.integer(Setting.AUTOSCALING_SCALE_IN_COOLDOWN_SECONDS, DEFAULT_SCALE_IN_COOLDOWN_SECONDS),
                r.integer(Setting.AUTOSCALING_SCALE_OUT_COOLDOWN_SECONDS, DEFAULT_SCALE_OUT_COOLDOWN_SECONDS),
                r.choice(Setting.DEPLOYMENT_STRATEGY, DEFAULT_STRATEGY, TrafficStrategy.class),
                r.integer(Setting.TRAFFIC_STEP_PERCENT, DEFAULT_TRAFFIC_STEP_PERCENT),
                r.integer(Setting.TRAFFIC_WAIT_SECONDS, DEFAULT_TRAFFIC_WAIT_SECONDS),
                r.integer(Setting.TERMINATION_WAIT_SECONDS, DEFAULT_TERMINATION_WAIT_SECONDS),
                Optional.ofNullable(r.optional(Setting.MAX_EXECUTION_TIMEOUT_SECONDS.name()))
                        .map(v -> r.integer(Setting.MAX_EXECUTION_TIMEOUT_SECONDS, 0)),
                r.list(Setting.ROLLBACK_ALARM_NAMES),
                r.integer(Setting.KEEP_LAST_VERSIONS, DEFAULT_KEEP_LAST_VERSIONS),
                r.bool(Setting.ENABLE_NETWORK_ISOLATION, DEFAULT_NETWORK_ISOLATION),
                r.choice(Setting.DEPLOYMENT_MODE, DEFAULT_MODE, DeploymentMode.class),
                r.integer(Setting.CHALLENGER_WEIGHT_PERCENT, DEFAULT_CHALLENGER_WEIGHT_PERCENT),
                r.integer(Setting.SHADOW_SAMPLING_PERCENT, DEFAULT_SHADOW_SAMPLING_PERCENT),
                r.integer(Setting.DATA_CAPTURE_SAMPLING_PERCENT, DEFAULT_DATA_CAPTURE_PERCENT),
                Optional.ofNullable(r.optional(Setting.DATA_CAPTURE_S3_URI.name())),
                Optional.ofNullable(r.optional(Setting.METRICS_NAMESPACE.name())),
                Optional.ofNullable(r.optional(Setting.TRAINING_PIPELINE_NAME.name())),
                r.integer(Setting.RETRAIN_MIN_HOURS, DEFAULT_RETRAIN_MIN_HOURS));
    }

    /**
     * The function's environment: every setting, written in the form {@link #fromEnvironment}
     * reads. Empty optional settings are left out (unset means none).
     */
    public Map<String, String> toEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Setting.MODEL_PACKAGE_GROUP_NAME.name(), modelPackageGroupName);
        env.put(Setting.ENDPOINT_NAME.name(), endpointName);
        env.put(Setting.EXECUTION_ROLE_ARN.name(), executionRoleArn);
        kmsKeyId.ifPresent(v -> env.put(Setting.KMS_KEY_ID.name(), v));
        env.put(Setting.MIN_F1_THRESHOLD.name(), String.valueOf(minF1Threshold));
        env.put(Setting.INSTANCE_TYPE.name(), instanceType);
        env.put(Setting.INITIAL_INSTANCE_COUNT.name(), String.valueOf(initialInstanceCount));
        env.put(Setting.AUTOSCALING_MIN_CAPACITY.name(), String.valueOf(minCapacity));
        env.put(Setting.AUTOSCALING_MAX_CAPACITY.name(), String.valueOf(maxCapacity));
        env.put(Setting.AUTOSCALING_TARGET_INVOCATIONS.name(), number(targetInvocationsPerInstance));
        env.put(Setting.AUTOSCALING_SCALE_IN_COOLDOWN_SECONDS.name(), String.valueOf(scaleInCooldownSeconds));
        env.put(Setting.AUTOSCALING_SCALE_OUT_COOLDOWN_SECONDS.name(), String.valueOf(scaleOutCooldownSeconds));
        env.put(Setting.DEPLOYMENT_STRATEGY.name(), strategy.name());
        env.put(Setting.TRAFFIC_STEP_PERCENT.name(), String.valueOf(trafficStepPercent));
        env.put(Setting.TRAFFIC_WAIT_SECONDS.name(), String.valueOf(trafficWaitSeconds));
        env.put(Setting.TERMINATION_WAIT_SECONDS.name(), String.valueOf(terminationWaitSeconds));
        maxExecutionTimeoutSeconds.ifPresent(
                v -> env.put(Setting.MAX_EXECUTION_TIMEOUT_SECONDS.name(), String.valueOf(v)));
        if (!rollbackAlarmNames.isEmpty()) {
            env.put(Setting.ROLLBACK_ALARM_NAMES.name(), String.join(",", rollbackAlarmNames));
        }
        env.put(Setting.KEEP_LAST_VERSIONS.name(), String.valueOf(keepLastVersions));
        env.put(Setting.ENABLE_NETWORK_ISOLATION.name(), String.valueOf(networkIsolation));
        env.put(Setting.DEPLOYMENT_MODE.name(), mode.name());
        env.put(Setting.CHALLENGER_WEIGHT_PERCENT.name(), String.valueOf(challengerWeightPercent));
        env.put(Setting.SHADOW_SAMPLING_PERCENT.name(), String.valueOf(shadowSamplingPercent));
        env.put(Setting.DATA_CAPTURE_SAMPLING_PERCENT.name(), String.valueOf(dataCapturePercent));
        dataCaptureS3Uri.ifPresent(v -> env.put(Setting.DATA_CAPTURE_S3_URI.name(), v));
        metricsNamespace.ifPresent(v -> env.put(Setting.METRICS_NAMESPACE.name(), v));
        trainingPipelineName.ifPresent(v -> env.put(Setting.TRAINING_PIPELINE_NAME.name(), v));
        env.put(Setting.RETRAIN_MIN_HOURS.name(), String.valueOf(retrainMinHours));
        return env;
    }

    /** Whole numbers without a trailing ".0", so the variable reads as it was configured. */
    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private static void requireMatch(Setting setting, String value, Pattern pattern) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new InvalidSettingException(setting, value, "must match " + pattern.pattern());
        }
    }

    private static void requireRange(Setting setting, int value, int min, int max) {
        if (!Checks.inRange(value, min, max)) {
            throw new InvalidSettingException(setting, value, "must be in [" + min + ", " + max + "]");
        }
    }

    /**
     * A setting outside its range. The message names the environment variable; a caller that read
     * the value from elsewhere (cdk.json) names it its own way from {@link #setting()} and {@link #rule()}.
     */
    public static final class InvalidSettingException extends IllegalArgumentException {
        private final Setting setting;
        private final transient Object value;
        private final String rule;

        InvalidSettingException(Setting setting, Object value, String rule) {
            super("environment variable " + setting + " " + rule + ", got \"" + value + "\"");
            this.setting = setting;
            this.value = value;
            this.rule = rule;
        }

        public Setting setting() {
            return setting;
        }

        public Object value() {
            return value;
        }

        /** What the value must be, e.g. {@code must be in [1, 100]}. */
        public String rule() {
            return rule;
        }
    }

    /** The optional settings on top of the three required ones; each starts at its default. */
    public static final class Builder {
        private final String modelPackageGroupName;
        private final String endpointName;
        private final String executionRoleArn;
        private String kmsKeyId;
        private double minF1Threshold = DEFAULT_MIN_F1_THRESHOLD;
        private String instanceType = DEFAULT_INSTANCE_TYPE;
        private int initialInstanceCount = DEFAULT_INITIAL_INSTANCE_COUNT;
        private int minCapacity = DEFAULT_MIN_CAPACITY;
        private int maxCapacity = DEFAULT_MAX_CAPACITY;
        private double targetInvocationsPerInstance = DEFAULT_TARGET_INVOCATIONS;
        private TrafficStrategy strategy = DEFAULT_STRATEGY;
        private int trafficStepPercent = DEFAULT_TRAFFIC_STEP_PERCENT;
        private int trafficWaitSeconds = DEFAULT_TRAFFIC_WAIT_SECONDS;
        private List<String> rollbackAlarmNames = List.of();
        private int keepLastVersions = DEFAULT_KEEP_LAST_VERSIONS;
        private DeploymentMode mode = DEFAULT_MODE;
        private int challengerWeightPercent = DEFAULT_CHALLENGER_WEIGHT_PERCENT;
        private int shadowSamplingPercent = DEFAULT_SHADOW_SAMPLING_PERCENT;
        private int dataCapturePercent = DEFAULT_DATA_CAPTURE_PERCENT;
        private String dataCaptureS3Uri;
        private String metricsNamespace;
        private String trainingPipelineName;
        private int retrainMinHours = DEFAULT_RETRAIN_MIN_HOURS;

        private Builder(String modelPackageGroupName, String endpointName, String executionRoleArn) {
            this.modelPackageGroupName = modelPackageGroupName;
            this.endpointName = endpointName;
            this.executionRoleArn = executionRoleArn;
        }

        public Builder kmsKeyId(String value) { kmsKeyId = value; return this; }
        public Builder minF1Threshold(double value) { minF1Threshold = value; return this; }
        public Builder instanceType(String value) { instanceType = value; return this; }
        public Builder initialInstanceCount(int value) { initialInstanceCount = value; return this; }
        public Builder minCapacity(int value) { minCapacity = value; return this; }
        public Builder maxCapacity(int value) { maxCapacity = value; return this; }
        public Builder targetInvocationsPerInstance(double value) { targetInvocationsPerInstance = value; return this; }
        public Builder strategy(TrafficStrategy value) { strategy = value; return this; }
        public Builder trafficStepPercent(int value) { trafficStepPercent = value; return this; }
        public Builder trafficWaitSeconds(int value) { trafficWaitSeconds = value; return this; }
        public Builder rollbackAlarmNames(List<String> value) { rollbackAlarmNames = value; return this; }
        public Builder keepLastVersions(int value) { keepLastVersions = value; return this; }
        public Builder mode(DeploymentMode value) { mode = value; return this; }
        public Builder challengerWeightPercent(int value) { challengerWeightPercent = value; return this; }
        public Builder shadowSamplingPercent(int value) { shadowSamplingPercent = value; return this; }
        public Builder dataCapture(int percent, String s3Uri) { dataCapturePercent = percent; dataCaptureS3Uri = s3Uri; return this; }
        public Builder metricsNamespace(String value) { metricsNamespace = value; return this; }
        public Builder trainingPipelineName(String value) { trainingPipelineName = value; return this; }
        public Builder retrainMinHours(int value) { retrainMinHours = value; return this; }

        public DeploySettings build() {
            return new DeploySettings(modelPackageGroupName, endpointName, executionRoleArn,
                    Optional.ofNullable(kmsKeyId),
                    minF1Threshold, instanceType, initialInstanceCount, minCapacity, maxCapacity,
                    targetInvocationsPerInstance, DEFAULT_SCALE_IN_COOLDOWN_SECONDS, DEFAULT_SCALE_OUT_COOLDOWN_SECONDS,
                    strategy, trafficStepPercent, trafficWaitSeconds, DEFAULT_TERMINATION_WAIT_SECONDS,
                    Optional.empty(),
                    rollbackAlarmNames, keepLastVersions, DEFAULT_NETWORK_ISOLATION, mode, challengerWeightPercent,
                    shadowSamplingPercent, dataCapturePercent, Optional.ofNullable(dataCaptureS3Uri),
                    Optional.ofNullable(metricsNamespace), Optional.ofNullable(trainingPipelineName), retrainMinHours);
        }
    }

    /** Typed access to the variable map; each parse error names the variable and its value. */
    private record Reader(Map<String, String> env) {
        String optional(String name) {
            String value = env.get(name);
            return value == null || value.isBlank() ? null : value.trim();
        }

        String required(Setting setting) {
            String value = optional(setting.name());
            if (value == null) {
                throw new IllegalArgumentException("environment variable " + setting + " is required");
            }
            return value;
        }

        String string(Setting setting, String fallback) {
            String value = optional(setting.name());
            return value == null ? fallback : value;
        }

        int integer(Setting setting, int fallback) {
            return parsed(setting, fallback, Integer::parseInt, "must be an integer");
        }

        double decimal(Setting setting, double fallback) {
            return parsed(setting, fallback, Double::parseDouble, "must be a number");
        }

        boolean bool(Setting setting, boolean fallback) {
            return parsed(setting, fallback, value -> switch (value.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(value);
            }, "must be true or false");
        }

        <E extends Enum<E>> E choice(Setting setting, E fallback, Class<E> type) {
            return parsed(setting, fallback, value -> Enum.valueOf(type, value.toUpperCase(Locale.ROOT)),
                    "must be one of " + Arrays.toString(type.getEnumConstants()));
        }

        /** The variable as {@code parse} reads it, or {@code fallback} when unset; a value it rejects fails. */
        private <T> T parsed(Setting setting, T fallback, Function<String, T> parse, String rule) {
            String value = optional(setting.name());
            if (value == null) {
                return fallback;
            }
            try {
                return parse.apply(value);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(setting, value, rule);
            }
        }

        List<String> list(Setting setting) {
            String value = optional(setting.name());
            if (value == null) {
                return List.of();
            }
            return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
    }
}
