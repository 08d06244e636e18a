package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeployConfigTest {

    private static final Map<String, String> REQUIRED = Map.of(
            "MODEL_PACKAGE_GROUP_NAME", "lgbm-census",
            "ENDPOINT_NAME", "lgbm-census",
            "EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/exec");

    @Test
    void fromEnvironment_whenOnlyRequiredSet_appliesDocumentedDefaults() {
        DeployConfig config = DeployConfig.fromEnvironment(REQUIRED);

        assertEquals(0.5, config.minF1Threshold());
        assertEquals("ml.m5.large", config.instanceType());
        assertEquals(1, config.initialInstanceCount());
        assertEquals(1, config.minCapacity());
        assertEquals(4, config.maxCapacity());
        assertEquals(70.0, config.targetInvocationsPerInstance());
        assertEquals(DeployConfig.TrafficStrategy.CANARY, config.strategy());
        assertEquals(3, config.keepLastVersions());
        assertEquals(Optional.empty(), config.kmsKeyId());
        assertEquals(Optional.empty(), config.maxExecutionTimeoutSeconds());
        assertEquals(List.of(), config.rollbackAlarmNames());
        assertTrue(config.networkIsolation());
        assertEquals(DeployConfig.DeploymentMode.REPLACE, config.mode());
        assertEquals(10, config.challengerWeightPercent());
        assertEquals(100, config.shadowSamplingPercent());
    }

    @Test
    void fromEnvironment_whenModeGivenInAnyCase_readsIt() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("DEPLOYMENT_MODE", "Shadow");
        env.put("SHADOW_SAMPLING_PERCENT", "25");

        DeployConfig config = DeployConfig.fromEnvironment(env);

        assertEquals(DeployConfig.DeploymentMode.SHADOW, config.mode());
        assertEquals(25, config.shadowSamplingPercent());
    }

    @Test
    void fromEnvironment_whenRequiredMissing_namesTheVariable() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.remove("EXECUTION_ROLE_ARN");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DeployConfig.fromEnvironment(env));

        assertEquals("environment variable EXECUTION_ROLE_ARN is required", error.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MIN_F1_THRESHOLD|1.7|must be in (0, 1]",
            "MIN_F1_THRESHOLD|0.0|must be in (0, 1]",
            "MIN_F1_THRESHOLD|NaN|must be in (0, 1]",
            "MIN_F1_THRESHOLD|Infinity|must be in (0, 1]",
            "MIN_F1_THRESHOLD|high|must be a number",
            "AUTOSCALING_MAX_CAPACITY|0|must be in [1, 100]",
            "INITIAL_INSTANCE_COUNT|two|must be an integer",
            "DEPLOYMENT_STRATEGY|big-bang|must be one of",
            "ENABLE_NETWORK_ISOLATION|yes|must be true or false",
            "ENDPOINT_NAME|bad_name|must match",
            "INSTANCE_TYPE|m5.large|must match",
            "KEEP_LAST_VERSIONS|0|must be in [1, 100]",
            "MAX_EXECUTION_TIMEOUT_SECONDS|60|must be in [600, 14400]",
            "DEPLOYMENT_MODE|canary|must be one of [REPLACE, AB, SHADOW]",
            "CHALLENGER_WEIGHT_PERCENT|0|must be in [1, 99]",
            "CHALLENGER_WEIGHT_PERCENT|100|must be in [1, 99]",
            "SHADOW_SAMPLING_PERCENT|0|must be in [1, 100]",
            "SHADOW_SAMPLING_PERCENT|half|must be an integer",
            "DATA_CAPTURE_SAMPLING_PERCENT|101|must be in [0, 100]",
            "DATA_CAPTURE_S3_URI|https://bucket/datacapture|must match"})
    void fromEnvironment_whenValueInvalid_namesVariableAndValue(String name, String value, String rule) {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put(name, value);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DeployConfig.fromEnvironment(env));

        assertTrue(error.getMessage().startsWith("environment variable " + name + " "), error.getMessage());
        assertTrue(error.getMessage().contains(rule), error.getMessage());
        assertTrue(error.getMessage().endsWith("got \"" + value + "\""), error.getMessage());
    }

    @Test
    void fromEnvironment_whenCaptureOnWithoutDestination_namesTheMissingVariable() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("DATA_CAPTURE_SAMPLING_PERCENT", "20");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DeployConfig.fromEnvironment(env));

        assertTrue(error.getMessage().startsWith("environment variable DATA_CAPTURE_S3_URI is required"), error.getMessage());
    }

    @Test
    void fromEnvironment_whenCaptureUnset_capturesNothing() {
        DeployConfig config = DeployConfig.fromEnvironment(REQUIRED);

        assertTrue(config.dataCapturePercent() == 0 && config.dataCaptureS3Uri().isEmpty(), config::toString);
    }

    @Test
    void fromEnvironment_whenRetiredF1ThresholdSet_failsNamingItsReplacement() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("F1_THRESHOLD", "0.7");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DeployConfig.fromEnvironment(env));

        assertTrue(error.getMessage().startsWith("environment variable F1_THRESHOLD is no longer read"),
                error.getMessage());
        assertTrue(error.getMessage().contains("MIN_F1_THRESHOLD"), error.getMessage());
    }

    @Test
    void fromEnvironment_whenAlarmListHasBlanks_keepsNamesOnly() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("ROLLBACK_ALARM_NAMES", " e-5xx , ,e-latency ");

        assertEquals(List.of("e-5xx", "e-latency"), DeployConfig.fromEnvironment(env).rollbackAlarmNames());
    }
}
