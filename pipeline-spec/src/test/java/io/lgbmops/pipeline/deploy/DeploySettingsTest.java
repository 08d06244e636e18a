package io.lgbmops.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.pipeline.deploy.DeploySettings.DeploymentMode;
import io.lgbmops.pipeline.deploy.DeploySettings.InvalidSettingException;
import io.lgbmops.pipeline.deploy.DeploySettings.Setting;
import io.lgbmops.pipeline.deploy.DeploySettings.TrafficStrategy;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeploySettingsTest {

    private static final Map<String, String> REQUIRED = Map.of(
            "MODEL_PACKAGE_GROUP_NAME", "lgbm-census",
            "ENDPOINT_NAME", "lgbm-census",
            "EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/exec");

    /** The required variables and {@code nameValuePairs} on top. */
    private static Map<String, String> env(String... nameValuePairs) {
        Map<String, String> env = new HashMap<>(REQUIRED);
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            env.put(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        return env;
    }

    /** What {@link DeploySettings#fromEnvironment} throws for the required variables and {@code nameValuePairs}. */
    private static <E extends IllegalArgumentException> E refused(Class<E> type, String... nameValuePairs) {
        Map<String, String> env = env(nameValuePairs);
        return assertThrows(type, () -> DeploySettings.fromEnvironment(env));
    }

    @Test
    void fromEnvironment_whenOnlyRequiredSet_appliesDocumentedDefaults() {
        DeploySettings settings = DeploySettings.fromEnvironment(REQUIRED);

        assertEquals(0.5, settings.minF1Threshold());
        assertEquals("ml.m5.large", settings.instanceType());
        assertEquals(1, settings.initialInstanceCount());
        assertEquals(1, settings.minCapacity());
        assertEquals(4, settings.maxCapacity());
        assertEquals(200.0, settings.targetInvocationsPerInstance());
        assertEquals(TrafficStrategy.CANARY, settings.strategy());
        assertEquals(3, settings.keepLastVersions());
        assertEquals(Optional.empty(), settings.kmsKeyId());
        assertEquals(Optional.empty(), settings.maxExecutionTimeoutSeconds());
        assertEquals(List.of(), settings.rollbackAlarmNames());
        assertTrue(settings.networkIsolation());
        assertEquals(DeploymentMode.REPLACE, settings.mode());
        assertEquals(10, settings.challengerWeightPercent());
        assertEquals(100, settings.shadowSamplingPercent());
    }

    @Test
    void builder_whenOnlyRequiredGiven_equalsWhatTheFunctionReadsFromAnEmptyEnvironment() {
        DeploySettings built = DeploySettings.builder("lgbm-census", "lgbm-census", "arn:aws:iam::123456789012:role/exec")
                .build();

        assertEquals(DeploySettings.fromEnvironment(REQUIRED), built);
    }

    @Test
    void toEnvironment_whenReadBack_givesTheSameSettings() {
        DeploySettings settings = DeploySettings.builder("lgbm-census", "lgbm-census-endpoint",
                        "arn:aws:iam::123456789012:role/exec")
                .kmsKeyId("arn:aws:kms:eu-west-1:123456789012:key/k")
                .minF1Threshold(0.6).instanceType("ml.c5.xlarge").initialInstanceCount(2).minCapacity(2).maxCapacity(6)
                .targetInvocationsPerInstance(150).strategy(TrafficStrategy.LINEAR).trafficStepPercent(20)
                .trafficWaitSeconds(600).rollbackAlarmNames(List.of("e-5xx", "e-latency")).keepLastVersions(5)
                .mode(DeploymentMode.AB).challengerWeightPercent(25).shadowSamplingPercent(50)
                .build();

        Map<String, String> env = settings.toEnvironment();

        assertEquals(settings, DeploySettings.fromEnvironment(env));
        assertEquals("150", env.get("AUTOSCALING_TARGET_INVOCATIONS"));
        assertEquals("e-5xx,e-latency", env.get("ROLLBACK_ALARM_NAMES"));
    }

    @Test
    void toEnvironment_namesEveryVariableBySetting() {
        DeploySettings settings = DeploySettings.builder("g", "e", "arn:aws:iam::123456789012:role/exec")
                .kmsKeyId("k").rollbackAlarmNames(List.of("a")).build();
        List<String> written = List.copyOf(settings.toEnvironment().keySet());

        // Only the optional timeout and monitoring's three names (off) are unset; every other setting is written under its enum name.
        List<String> monitoring = List.of("DATA_CAPTURE_S3_URI", "METRICS_NAMESPACE", "TRAINING_PIPELINE_NAME");
        List<String> expected = Arrays.stream(Setting.values()).map(Setting::name)
                .filter(n -> !n.equals("MAX_EXECUTION_TIMEOUT_SECONDS") && !monitoring.contains(n)).toList();
        assertEquals(expected, written);
    }

    @Test
    void constructor_whenRoleArnIsAnUnresolvedToken_acceptsIt() {
        DeploySettings settings = DeploySettings.builder("g", "e", "${Token[TOKEN.123]}").build();

        assertEquals("${Token[TOKEN.123]}", settings.toEnvironment().get("EXECUTION_ROLE_ARN"));
    }

    @Test
    void fromEnvironment_whenModeGivenInAnyCase_readsIt() {
        DeploySettings settings = DeploySettings.fromEnvironment(env("DEPLOYMENT_MODE", "Shadow", "SHADOW_SAMPLING_PERCENT", "25"));

        assertEquals(DeploymentMode.SHADOW, settings.mode());
        assertEquals(25, settings.shadowSamplingPercent());
    }

    @Test
    void fromEnvironment_whenRequiredMissing_namesTheVariable() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.remove("EXECUTION_ROLE_ARN");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DeploySettings.fromEnvironment(env));

        assertEquals("environment variable EXECUTION_ROLE_ARN is required", error.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MIN_F1_THRESHOLD|1.7|must be in (0, 1]",
            "MIN_F1_THRESHOLD|0.0|must be in (0, 1]",
            "MIN_F1_THRESHOLD|NaN|must be in (0, 1]",
            "MIN_F1_THRESHOLD|Infinity|must be in (0, 1]",
            "MIN_F1_THRESHOLD|high|must be a number",
            "AUTOSCALING_MAX_CAPACITY|0|must not be below AUTOSCALING_MIN_CAPACITY (1)",
            "AUTOSCALING_MAX_CAPACITY|101|must be in [1, 100]",
            "AUTOSCALING_TARGET_INVOCATIONS|0|must be in (0, 1000000]",
            "INITIAL_INSTANCE_COUNT|two|must be an integer",
            "INITIAL_INSTANCE_COUNT|5|must be in [1, 4]",
            "DEPLOYMENT_STRATEGY|big-bang|must be one of",
            "TRAFFIC_STEP_PERCENT|60|must be in [1, 50]",
            "ENABLE_NETWORK_ISOLATION|yes|must be true or false",
            "ENDPOINT_NAME|bad_name|must match",
            "INSTANCE_TYPE|m5.large|must be a SageMaker instance type such as ml.m5.large",
            "KEEP_LAST_VERSIONS|0|must be in [1, 50]",
            "MAX_EXECUTION_TIMEOUT_SECONDS|60|must be in [600, 14400]",
            "DEPLOYMENT_MODE|canary|must be one of [REPLACE, AB, SHADOW]",
            "CHALLENGER_WEIGHT_PERCENT|0|must be in [1, 99]",
            "CHALLENGER_WEIGHT_PERCENT|100|must be in [1, 99]",
            "SHADOW_SAMPLING_PERCENT|0|must be in [1, 100]",
            "SHADOW_SAMPLING_PERCENT|half|must be an integer",
            "DATA_CAPTURE_SAMPLING_PERCENT|101|must be in [0, 100]",
            "DATA_CAPTURE_S3_URI|https://bucket/datacapture|must match",
            "METRICS_NAMESPACE|AWS/SageMaker|must match",
            "RETRAIN_MIN_HOURS|0|must be in [1, 720]"})
    void fromEnvironment_whenValueInvalid_namesVariableAndValue(String name, String value, String rule) {
        InvalidSettingException error = refused(InvalidSettingException.class, name, value);

        assertEquals(Setting.valueOf(name), error.setting());
        assertTrue(error.getMessage().startsWith("environment variable " + name + " "), error.getMessage());
        assertTrue(error.getMessage().contains(rule), error.getMessage());
        assertTrue(error.rule().contains(rule), error.rule());
        assertTrue(error.getMessage().endsWith("got \"" + value + "\""), error.getMessage());
    }

    @Test
    void fromEnvironment_whenLinearStepBelowTenPercent_failsAsSageMakerWould() {
        InvalidSettingException error = refused(InvalidSettingException.class,
                "DEPLOYMENT_STRATEGY", "LINEAR", "TRAFFIC_STEP_PERCENT", "5");

        assertEquals("must be in [10, 50]", error.rule());
    }

    @Test
    void fromEnvironment_whenRetiredF1ThresholdSet_failsNamingItsReplacement() {
        IllegalArgumentException error = refused(IllegalArgumentException.class, "F1_THRESHOLD", "0.7");

        assertTrue(error.getMessage().startsWith("environment variable F1_THRESHOLD is no longer read"),
                error.getMessage());
        assertTrue(error.getMessage().contains("MIN_F1_THRESHOLD"), error.getMessage());
    }

    @Test
    void fromEnvironment_whenAlarmListHasBlanks_keepsNamesOnly() {
        assertEquals(List.of("e-5xx", "e-latency"),
                DeploySettings.fromEnvironment(env("ROLLBACK_ALARM_NAMES", " e-5xx , ,e-latency ")).rollbackAlarmNames());
    }

    @Test
    void fromEnvironment_whenCaptureOnWithoutDestination_namesTheMissingVariable() {
        IllegalArgumentException error = refused(IllegalArgumentException.class, "DATA_CAPTURE_SAMPLING_PERCENT", "20");

        assertTrue(error.getMessage().startsWith("environment variable DATA_CAPTURE_S3_URI is required"), error.getMessage());
    }

    @Test
    void toEnvironment_whenMonitoringOn_readsBackTheSameSettings() {
        DeploySettings built = DeploySettings.builder("lgbm-census", "lgbm-census", "arn:aws:iam::111122223333:role/model")
                .dataCapture(20, "s3://lgbmops-prod-write/datacapture/")
                .metricsNamespace("LgbmOps/Monitoring")
                .trainingPipelineName("lgbmops-prod-pipeline")
                .retrainMinHours(72)
                .build();

        assertEquals("s3://lgbmops-prod-write/datacapture", built.dataCaptureS3Uri().orElseThrow());
        assertEquals(built, DeploySettings.fromEnvironment(built.toEnvironment()));
    }

    @Test
    void toEnvironment_whenMonitoringOff_capturesNothingAndNamesNoDestination() {
        Map<String, String> env = DeploySettings.fromEnvironment(REQUIRED).toEnvironment();

        assertEquals("0", env.get("DATA_CAPTURE_SAMPLING_PERCENT"));
        assertTrue(env.keySet().stream().noneMatch(k -> k.equals("DATA_CAPTURE_S3_URI")
                || k.equals("METRICS_NAMESPACE") || k.equals("TRAINING_PIPELINE_NAME")), env::toString);
    }
}
