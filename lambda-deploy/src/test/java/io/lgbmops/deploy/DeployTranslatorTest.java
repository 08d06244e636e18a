package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PutScalingPolicyRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.RegisterScalableTargetRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.sagemaker.model.CreateEndpointConfigRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateModelRequest;
import software.amazon.awssdk.services.sagemaker.model.DeploymentConfig;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;
import software.amazon.awssdk.services.sagemaker.model.UpdateEndpointRequest;

/** The pure request builder: no emulator, no mocks. */
class DeployTranslatorTest {

    private static final Pattern SAGEMAKER_NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");
    private static final String ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/lgbm-census/7";
    private static final String LONG_ENDPOINT = "a".repeat(30) + "-" + "b".repeat(32);

    private static DeploySettings config(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(DeployFixture.environment());
        env.putAll(overrides);
        return DeploySettings.fromEnvironment(env);
    }

    private static DeployRequest request(String endpoint, String instanceType) {
        return new DeployRequest(DeployRequest.Source.PIPELINE, ARN, endpoint, instanceType, 1, null);
    }

    @Test
    void plan_whenEndpointNameIsLongest_namesFitSageMakerLimitAndPattern() {
        DeployTranslator translator = new DeployTranslator(config(Map.of("ENDPOINT_NAME", LONG_ENDPOINT)));

        DeployTranslator.Plan plan = translator.plan(request(LONG_ENDPOINT, "ml.m5.large"), 999_999);

        assertEquals(63, LONG_ENDPOINT.length());
        for (String name : List.of(plan.modelName(), plan.endpointConfigName())) {
            assertTrue(name.length() <= 63, name);
            assertTrue(SAGEMAKER_NAME.matcher(name).matches(), name);
            assertEquals(999_999, translator.names().versionOf(name).getAsInt());
        }
    }

    @Test
    void plan_whenCutPrefixEndsWithHyphen_dropsTheHyphen() {
        String endpoint = "a".repeat(45) + "-" + "b".repeat(10);
        ResourceNames names = new ResourceNames(endpoint);

        assertEquals("a".repeat(45), names.prefix());
        assertTrue(SAGEMAKER_NAME.matcher(names.name(12, "x")).matches());
    }

    @Test
    void plan_whenCalledTwiceWithSameInputs_returnsSameNames() {
        DeployTranslator first = new DeployTranslator(config(Map.of()));
        DeployTranslator second = new DeployTranslator(config(Map.of()));

        assertEquals(first.plan(request("lgbm-census", "ml.m5.large"), 7),
                second.plan(request("lgbm-census", "ml.m5.large"), 7));
        assertTrue(first.plan(request("lgbm-census", "ml.m5.large"), 7).endpointConfigName()
                .matches("lgbm-census-v7-[0-9a-f]{8}"));
    }

    @Test
    void plan_whenInstanceTypeOrKmsKeyDiffers_changesConfigNameButNotModelName() {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));
        DeployTranslator otherKey = new DeployTranslator(config(Map.of("KMS_KEY_ID", "alias/other")));
        DeployTranslator.Plan base = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        DeployTranslator.Plan bigger = translator.plan(request("lgbm-census", "ml.m5.xlarge"), 7);
        DeployTranslator.Plan rekeyed = otherKey.plan(request("lgbm-census", "ml.m5.large"), 7);

        assertEquals(base.modelName(), bigger.modelName());
        assertNotEquals(base.endpointConfigName(), bigger.endpointConfigName());
        assertNotEquals(base.endpointConfigName(), rekeyed.endpointConfigName());
    }

    @Test
    void versionOf_whenNameIsNotOurs_isEmpty() {
        ResourceNames names = new ResourceNames("lgbm-census");

        assertTrue(names.versionOf("lgbm-census-v3-0123abcd").isPresent());
        assertFalse(names.versionOf("lgbm-census-v2-v3-0123abcd").isPresent());
        assertFalse(names.versionOf("lgbm-census-config-20250101").isPresent());
        assertFalse(names.versionOf("other-v3-0123abcd").isPresent());
        assertThrows(IllegalArgumentException.class, () -> names.name(1_000_000, "x"));
    }

    @Test
    void createModel_always_usesPackageRoleAndNetworkIsolation() {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));
        DeployTranslator.Plan plan = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        CreateModelRequest model = translator.createModel(plan);

        assertEquals(plan.modelName(), model.modelName());
        assertEquals(ARN, model.containers().get(0).modelPackageName());
        assertEquals(DeployFixture.ROLE, model.executionRoleArn());
        assertTrue(model.enableNetworkIsolation());
    }

    @Test
    void createEndpointConfig_whenEbsBackedInstance_setsKmsKeyAndFixedVariant() {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));
        DeployTranslator.Plan plan = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        CreateEndpointConfigRequest endpointConfig = translator.createEndpointConfig(plan);

        assertEquals(DeployFixture.KMS_KEY, endpointConfig.kmsKeyId());
        assertEquals("AllTraffic", endpointConfig.productionVariants().get(0).variantName());
        assertEquals(plan.modelName(), endpointConfig.productionVariants().get(0).modelName());
        assertEquals(1, endpointConfig.productionVariants().get(0).initialInstanceCount());
    }

    @ParameterizedTest
    @CsvSource({"ml.m5d.large,true", "ml.g4dn.xlarge,true", "ml.g5.xlarge,true", "ml.c5d.2xlarge,true",
            "ml.m5.large,false", "ml.c5.xlarge,false", "ml.inf1.xlarge,false", "ml.t2.medium,false"})
    void createEndpointConfig_whenInstanceHasLocalStorage_omitsKmsKey(String instanceType, boolean localStorage) {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));

        CreateEndpointConfigRequest endpointConfig =
                translator.createEndpointConfig(translator.plan(request("lgbm-census", instanceType), 1));

        assertEquals(localStorage, endpointConfig.kmsKeyId() == null, instanceType);
    }

    @Test
    void createEndpointConfig_whenCaptureOn_capturesInputAndOutputEncryptedUnderTheDestination() {
        DeployTranslator translator = new DeployTranslator(config(Map.of("DATA_CAPTURE_SAMPLING_PERCENT", "20",
                "DATA_CAPTURE_S3_URI", "s3://lgbmops-artifacts/datacapture/")));

        CreateEndpointConfigRequest endpointConfig =
                translator.createEndpointConfig(translator.plan(request("lgbm-census", "ml.m5d.large"), 1));

        var capture = endpointConfig.dataCaptureConfig();
        assertTrue(capture.enableCapture());
        assertEquals(20, capture.initialSamplingPercentage());
        assertEquals("s3://lgbmops-artifacts/datacapture", capture.destinationS3Uri());
        assertEquals(List.of("Input", "Output"), capture.captureOptions().stream()
                .map(o -> o.captureModeAsString()).toList());
        assertEquals(List.of("text/csv"), capture.captureContentTypeHeader().csvContentTypes());
        // The capture's key does not depend on the instance's storage, unlike the volume key.
        assertEquals(DeployFixture.KMS_KEY, capture.kmsKeyId());
        assertNull(endpointConfig.kmsKeyId());
    }

    @Test
    void createEndpointConfig_whenCaptureOff_sendsNoCaptureAndKeepsTheNames() {
        DeployTranslator off = new DeployTranslator(config(Map.of()));
        DeployTranslator on = new DeployTranslator(config(Map.of("DATA_CAPTURE_SAMPLING_PERCENT", "20",
                "DATA_CAPTURE_S3_URI", "s3://lgbmops-artifacts/datacapture")));
        DeployTranslator more = new DeployTranslator(config(Map.of("DATA_CAPTURE_SAMPLING_PERCENT", "50",
                "DATA_CAPTURE_S3_URI", "s3://lgbmops-artifacts/datacapture")));
        DeployTranslator.Plan plan = off.plan(request("lgbm-census", "ml.m5.large"), 3);

        assertNull(off.createEndpointConfig(plan).dataCaptureConfig());
        // SageMaker cannot change an existing config's capture: another share is another config.
        String withCapture = on.plan(request("lgbm-census", "ml.m5.large"), 3).endpointConfigName();
        assertNotEquals(plan.endpointConfigName(), withCapture);
        assertNotEquals(withCapture, more.plan(request("lgbm-census", "ml.m5.large"), 3).endpointConfigName());
        assertEquals(plan.modelName(), on.plan(request("lgbm-census", "ml.m5.large"), 3).modelName());
    }

    @Test
    void updateEndpoint_whenCanary_sendsBlueGreenCanaryWithRollbackAlarms() {
        DeployTranslator translator = new DeployTranslator(config(Map.of("TRAFFIC_STEP_PERCENT", "25",
                "TRAFFIC_WAIT_SECONDS", "600", "MAX_EXECUTION_TIMEOUT_SECONDS", "3600")));
        DeployTranslator.Plan plan = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        UpdateEndpointRequest update = translator.updateEndpoint(plan, false);

        DeploymentConfig deployment = update.deploymentConfig();
        assertEquals(TrafficRoutingConfigType.CANARY,
                deployment.blueGreenUpdatePolicy().trafficRoutingConfiguration().type());
        assertEquals(25, deployment.blueGreenUpdatePolicy().trafficRoutingConfiguration().canarySize().value());
        assertEquals(600, deployment.blueGreenUpdatePolicy().trafficRoutingConfiguration().waitIntervalInSeconds());
        assertEquals(3600, deployment.blueGreenUpdatePolicy().maximumExecutionTimeoutInSeconds());
        assertEquals(DeployFixture.ALARMS, deployment.autoRollbackConfiguration().alarms().stream()
                .map(a -> a.alarmName()).toList());
        assertTrue(update.retainAllVariantProperties());
        assertEquals(plan.endpointConfigName(), update.endpointConfigName());
    }

    @Test
    void updateEndpoint_whenLinearWithoutAlarms_sendsLinearStepsAndNoRollbackConfig() {
        DeployTranslator translator = new DeployTranslator(config(Map.of("DEPLOYMENT_STRATEGY", "LINEAR",
                "ROLLBACK_ALARM_NAMES", "")));
        DeployTranslator.Plan plan = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        UpdateEndpointRequest update = translator.updateEndpoint(plan, true);

        assertEquals(TrafficRoutingConfigType.LINEAR,
                update.deploymentConfig().blueGreenUpdatePolicy().trafficRoutingConfiguration().type());
        assertEquals(10, update.deploymentConfig().blueGreenUpdatePolicy().trafficRoutingConfiguration()
                .linearStepSize().value());
        assertNull(update.deploymentConfig().autoRollbackConfiguration());
        assertFalse(update.retainAllVariantProperties());
    }

    @Test
    void autoscalingRequests_always_targetVariantInvocationsPerInstance() {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));

        RegisterScalableTargetRequest target = translator.registerScalableTarget("lgbm-census", Variants.CHAMPION);
        PutScalingPolicyRequest policy = translator.putScalingPolicy("lgbm-census", Variants.CHAMPION);

        assertEquals(ServiceNamespace.SAGEMAKER, target.serviceNamespace());
        assertEquals("endpoint/lgbm-census/variant/AllTraffic", target.resourceId());
        assertEquals(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT, target.scalableDimension());
        assertEquals(1, target.minCapacity());
        assertEquals(3, target.maxCapacity());
        assertEquals(PolicyType.TARGET_TRACKING_SCALING, policy.policyType());
        assertEquals(target.resourceId(), policy.resourceId());
        assertEquals(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE, policy
                .targetTrackingScalingPolicyConfiguration().predefinedMetricSpecification().predefinedMetricType());
        assertEquals(120.0, policy.targetTrackingScalingPolicyConfiguration().targetValue());
        assertEquals(300, policy.targetTrackingScalingPolicyConfiguration().scaleInCooldown());
    }

    @Test
    void getEvaluationReport_whenUriIsNotS3_throwsFailed() {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));

        assertEquals("reports", translator.getEvaluationReport("s3://reports/run/1/evaluation.json").bucket());
        assertEquals("run/1/evaluation.json", translator.getEvaluationReport("s3://reports/run/1/evaluation.json").key());
        assertThrows(DeployFailedException.class, () -> translator.getEvaluationReport("https://example.com/x.json"));
        assertThrows(DeployFailedException.class, () -> translator.getEvaluationReport("s3://bucket-only"));
    }

    private static software.amazon.awssdk.services.sagemaker.model.ProductionVariant champion() {
        return software.amazon.awssdk.services.sagemaker.model.ProductionVariant.builder()
                .variantName(Variants.CHAMPION).modelName("lgbm-census-v6-0123abcd")
                .instanceType("ml.m5.large").initialInstanceCount(2).initialVariantWeight(1.0f).build();
    }

    @Test
    void variantPlan_inAbMode_putsTheNewcomerBesideTheChampionWithComplementaryWeights() {
        DeployTranslator translator = new DeployTranslator(config(Map.of("DEPLOYMENT_MODE", "AB",
                "CHALLENGER_WEIGHT_PERCENT", "15")));
        DeployTranslator.Plan newcomer = translator.plan(request("lgbm-census", "ml.c5.large"), 7);

        DeployTranslator.VariantPlan plan = translator.variantPlan(newcomer, champion());
        CreateEndpointConfigRequest request = translator.createEndpointConfig(plan);

        assertEquals(List.of("AllTraffic", "Challenger"), request.productionVariants().stream()
                .map(v -> v.variantName()).toList());
        assertEquals(85.0f, request.productionVariants().get(0).initialVariantWeight());
        assertEquals(2, request.productionVariants().get(0).initialInstanceCount());
        assertEquals("ml.c5.large", request.productionVariants().get(1).instanceTypeAsString());
        assertFalse(request.hasShadowProductionVariants());
        assertEquals(7, translator.names().versionOf(plan.endpointConfigName()).getAsInt());
        assertEquals(plan.endpointConfigName(), translator.variantPlan(newcomer, champion()).endpointConfigName());
        assertNotEquals(plan.endpointConfigName(), new DeployTranslator(config(Map.of("DEPLOYMENT_MODE", "AB",
                "CHALLENGER_WEIGHT_PERCENT", "20"))).variantPlan(newcomer, champion()).endpointConfigName());
    }

    @Test
    void variantPlan_inShadowMode_makesTheNewcomerAShadowWithTheSamplingAsWeight() {
        DeployTranslator translator = new DeployTranslator(config(Map.of("DEPLOYMENT_MODE", "SHADOW",
                "SHADOW_SAMPLING_PERCENT", "40")));
        DeployTranslator.Plan newcomer = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        CreateEndpointConfigRequest request = translator.createEndpointConfig(translator.variantPlan(newcomer, champion()));

        assertEquals(1, request.productionVariants().size());
        assertEquals(100.0f, request.productionVariants().get(0).initialVariantWeight());
        assertEquals("Shadow", request.shadowProductionVariants().get(0).variantName());
        assertEquals(40.0f, request.shadowProductionVariants().get(0).initialVariantWeight());
        assertEquals(newcomer.modelName(), request.shadowProductionVariants().get(0).modelName());
    }

    @Test
    void soleVariantPlan_ofAPackagesModel_isNamedAsReplaceModeNamesIt() {
        DeployTranslator translator = new DeployTranslator(config(Map.of()));
        DeployTranslator.Plan plan = translator.plan(request("lgbm-census", "ml.m5.large"), 7);

        assertEquals(plan, translator.soleVariantPlan(plan.endpointName(), plan.modelPackageArn(), 7, plan.modelName(),
                "ml.m5.large", 1));
    }

    @Test
    void autoscalingNames_perVariant_keepTheChampionsAndNameTheOthers() {
        assertEquals("endpoint/e/variant/Challenger", DeployTranslator.scalableResourceId("e", "Challenger"));
        assertEquals(DeployTranslator.scalingPolicyName("e"), DeployTranslator.scalingPolicyName("e", "AllTraffic"));
        assertEquals("e-shadow-invocations-per-instance", DeployTranslator.scalingPolicyName("e", "Shadow"));
    }
}
