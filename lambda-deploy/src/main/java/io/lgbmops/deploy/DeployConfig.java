package io.lgbmops.deploy;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything the function is configured with, read once from the environment. Every value is
 * validated here, so a bad deployment fails at the first invocation (or at SnapStart's
 * checkpoint) with a message that names the variable and the value.
 *
 * @param modelPackageGroupName       the only group whose packages are deployed
 * @param endpointName                the endpoint this function owns; also the prefix of its
 *                                    models and endpoint configs
 * @param executionRoleArn            role SageMaker assumes to run the model
 * @param kmsKeyId                    key for the endpoint's ML storage volumes; empty: none
 * @param minF1Threshold              the stage's floor of the F1 gate: no package with a lower F1 is
 *                                    deployed, whatever threshold its execution used
 * @param instanceType                default instance type (pipeline input may override)
 * @param initialInstanceCount        default initial instance count (pipeline input may override)
 * @param minCapacity                 autoscaling minimum instance count
 * @param maxCapacity                 autoscaling maximum instance count
 * @param targetInvocationsPerInstance target of SageMakerVariantInvocationsPerInstance
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
public record DeployConfig(
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

    /** Floor of the F1 gate when MIN_F1_THRESHOLD is unset. */
    public static final double DEFAULT_MIN_F1_THRESHOLD = 0.5;

    static final Pattern RESOURCE_NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");
    static final Pattern GROUP_NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");
    static final Pattern ROLE_ARN = Pattern.compile("^arn:aws[a-z-]*:iam::\\d{12}:role/\\S+$");
    static final Pattern INSTANCE_TYPE = Pattern.compile("^ml\\.[a-z0-9]+\\.[a-z0-9]+$");
    /** CloudWatch's rule for a namespace, without the reserved {@code AWS/} prefix. */
    static final Pattern METRICS_NAMESPACE = Pattern.compile("^(?!AWS/)[A-Za-z0-9.\\-_/#:]{1,255}$");
    static final Pattern S3_PREFIX = Pattern.compile("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\\s]*)?$");

    public DeployConfig {
        requireMatch("MODEL_PACKAGE_GROUP_NAME", modelPackageGroupName, GROUP_NAME);
        requireMatch("ENDPOINT_NAME", endpointName, RESOURCE_NAME);
        requireMatch("EXECUTION_ROLE_ARN", executionRoleArn, ROLE_ARN);
        requireMatch("INSTANCE_TYPE", instanceType, INSTANCE_TYPE);
        kmsKeyId = kmsKeyId == null ? Optional.empty() : kmsKeyId.filter(k -> !k.isBlank());
        if (!DeployRequest.isThreshold(minF1Threshold)) {
            throw bad("MIN_F1_THRESHOLD", minF1Threshold, "must be in (0, 1]");
        }
        requireRange("INITIAL_INSTANCE_COUNT", initialInstanceCount, 1, 100);
        requireRange("AUTOSCALING_MIN_CAPACITY", minCapacity, 1, 100);
        requireRange("AUTOSCALING_MAX_CAPACITY", maxCapacity, minCapacity, 100);
        if (!(targetInvocationsPerInstance > 0)) {
            throw bad("AUTOSCALING_TARGET_INVOCATIONS", targetInvocationsPerInstance, "must be > 0");
        }
        requireRange("AUTOSCALING_SCALE_IN_COOLDOWN_SECONDS", scaleInCooldownSeconds, 0, 86_400);
        requireRange("AUTOSCALING_SCALE_OUT_COOLDOWN_SECONDS", scaleOutCooldownSeconds, 0, 86_400);
        requireRange("TRAFFIC_STEP_PERCENT", trafficStepPercent, 1, 100);
        requireRange("TRAFFIC_WAIT_SECONDS", trafficWaitSeconds, 0, 3_600);
        requireRange("TERMINATION_WAIT_SECONDS", terminationWaitSeconds, 0, 3_600);
        maxExecutionTimeoutSeconds = maxExecutionTimeoutSeconds == null ? Optional.empty() : maxExecutionTimeoutSeconds;
        maxExecutionTimeoutSeconds.ifPresent(v -> requireRange("MAX_EXECUTION_TIMEOUT_SECONDS", v, 600, 14_400));
        rollbackAlarmNames = List.copyOf(rollbackAlarmNames);
        requireRange("KEEP_LAST_VERSIONS", keepLastVersions, 1, 100);
        mode = mode == null ? DeploymentMode.REPLACE : mode;
        requireRange("CHALLENGER_WEIGHT_PERCENT", challengerWeightPercent, 1, 99);
        requireRange("SHADOW_SAMPLING_PERCENT", shadowSamplingPercent, 1, 100);
        requireRange("DATA_CAPTURE_SAMPLING_PERCENT", dataCapturePercent, 0, 100);
        // One form, without the trailing slash, so the capture prefix and the config names do not depend on how it was written.
        dataCaptureS3Uri = dataCaptureS3Uri == null ? Optional.empty()
                : dataCaptureS3Uri.filter(u -> !u.isBlank()).map(u -> u.replaceAll("/+$", ""));
        dataCaptureS3Uri.ifPresent(u -> requireMatch("DATA_CAPTURE_S3_URI", u, S3_PREFIX));
        if (dataCapturePercent > 0 && dataCaptureS3Uri.isEmpty()) {
            throw new IllegalArgumentException("environment variable DATA_CAPTURE_S3_URI is required when "
                    + "DATA_CAPTURE_SAMPLING_PERCENT is above 0, got " + dataCapturePercent);
        }
        metricsNamespace = metricsNamespace == null ? Optional.empty() : metricsNamespace.filter(n -> !n.isBlank());
        metricsNamespace.ifPresent(n -> requireMatch("METRICS_NAMESPACE", n, METRICS_NAMESPACE));
        trainingPipelineName = trainingPipelineName == null ? Optional.empty()
                : trainingPipelineName.filter(n -> !n.isBlank());
        trainingPipelineName.ifPresent(n -> requireMatch("TRAINING_PIPELINE_NAME", n, RESOURCE_NAME));
        requireRange("RETRAIN_MIN_HOURS", retrainMinHours, 1, 24 * 30);
    }

    /** Reads the configuration from a variable map (the process environment in Lambda). */
    public static DeployConfig fromEnvironment(Map<String, String> env) {
        Reader r = new Reader(env);
        if (r.optional("F1_THRESHOLD") != null) {
            // The gate used to be this variable alone; a deployment still setting it would silently
            // get the default floor instead, so it is refused by name.
            throw new IllegalArgumentException("environment variable F1_THRESHOLD is no longer read: the gate is "
                    + "the threshold of the package's execution, at least MIN_F1_THRESHOLD; set MIN_F1_THRESHOLD");
        }
        return new DeployConfig(
                r.required("MODEL_PACKAGE_GROUP_NAME"),
                r.required("ENDPOINT_NAME"),
                r.required("EXECUTION_ROLE_ARN"),
                Optional.ofNullable(r.optional("KMS_KEY_ID")),
                r.decimal("MIN_F1_THRESHOLD", DEFAULT_MIN_F1_THRESHOLD),
                r.string("INSTANCE_TYPE", "ml.m5.large"),
                r.integer("INITIAL_INSTANCE_COUNT", 1),
                r.integer("AUTOSCALING_MIN_CAPACITY", 1),
                r.integer("AUTOSCALING_MAX_CAPACITY", 4),
                r.decimal("AUTOSCALING_TARGET_INVOCATIONS", 70.0),
                r.integer("AUTOSCALING_SCALE_IN_COOLDOWN_SECONDS", 300),
                r.integer("AUTOSCALING_SCALE_OUT_COOLDOWN_SECONDS", 60),
                r.strategy("DEPLOYMENT_STRATEGY", TrafficStrategy.CANARY),
                r.integer("TRAFFIC_STEP_PERCENT", 10),
                r.integer("TRAFFIC_WAIT_SECONDS", 300),
                r.integer("TERMINATION_WAIT_SECONDS", 300),
                Optional.ofNullable(r.optional("MAX_EXECUTION_TIMEOUT_SECONDS"))
                        .map(v -> r.integer("MAX_EXECUTION_TIMEOUT_SECONDS", 0)),
                r.list("ROLLBACK_ALARM_NAMES"),
                r.integer("KEEP_LAST_VERSIONS", 3),
                r.bool("ENABLE_NETWORK_ISOLATION", true),
                r.choice("DEPLOYMENT_MODE", DeploymentMode.REPLACE, DeploymentMode.class),
                r.integer("CHALLENGER_WEIGHT_PERCENT", 10),
                r.integer("SHADOW_SAMPLING_PERCENT", 100),
                r.integer("DATA_CAPTURE_SAMPLING_PERCENT", 0),
                Optional.ofNullable(r.optional("DATA_CAPTURE_S3_URI")),
                Optional.ofNullable(r.optional("METRICS_NAMESPACE")),
                Optional.ofNullable(r.optional("TRAINING_PIPELINE_NAME")),
                r.integer("RETRAIN_MIN_HOURS", 24));
    }

    private static void requireMatch(String name, String value, Pattern pattern) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw bad(name, value, "must match " + pattern.pattern());
        }
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw bad(name, value, "must be in [" + min + ", " + max + "]");
        }
    }

    private static IllegalArgumentException bad(String name, Object value, String rule) {
        return new IllegalArgumentException(
                "environment variable " + name + " " + rule + ", got \"" + value + "\"");
    }

    /** Typed access to the variable map; each parse error names the variable and its value. */
    private record Reader(Map<String, String> env) {
        String optional(String name) {
            String value = env.get(name);
            return value == null || value.isBlank() ? null : value.trim();
        }

        String required(String name) {
            String value = optional(name);
            if (value == null) {
                throw new IllegalArgumentException("environment variable " + name + " is required");
            }
            return value;
        }

        String string(String name, String fallback) {
            String value = optional(name);
            return value == null ? fallback : value;
        }

        int integer(String name, int fallback) {
            String value = optional(name);
            if (value == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw bad(name, value, "must be an integer");
            }
        }

        double decimal(String name, double fallback) {
            String value = optional(name);
            if (value == null) {
                return fallback;
            }
            try {
                return Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw bad(name, value, "must be a number");
            }
        }

        boolean bool(String name, boolean fallback) {
            String value = optional(name);
            if (value == null) {
                return fallback;
            }
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(name, value, "must be true or false");
            };
        }

        TrafficStrategy strategy(String name, TrafficStrategy fallback) {
            return choice(name, fallback, TrafficStrategy.class);
        }

        <E extends Enum<E>> E choice(String name, E fallback, Class<E> type) {
            String value = optional(name);
            if (value == null) {
                return fallback;
            }
            try {
                return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(name, value, "must be one of " + Arrays.toString(type.getEnumConstants()));
            }
        }

        List<String> list(String name) {
            String value = optional(name);
            if (value == null) {
                return List.of();
            }
            return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
    }
}
