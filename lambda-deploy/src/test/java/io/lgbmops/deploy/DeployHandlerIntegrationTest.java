package io.lgbmops.deploy;

import static io.lgbmops.deploy.DeployFixture.ENDPOINT;
import static io.lgbmops.deploy.DeployFixture.JSON;
import static io.lgbmops.deploy.DeployFixture.approvedEvent;
import static io.lgbmops.deploy.DeployFixture.invoke;
import static io.lgbmops.deploy.DeployFixture.pipelineArguments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointConfigSummary;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelSummary;

/**
 * The handler against moto in server mode, over real HTTP, through the recording proxy.
 * moto lacks UpdateEndpoint: {@link UpdateEndpointEmulator} answers it at the proxy.
 */
class DeployHandlerIntegrationTest {

    private static final String GROUP_ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:model-package/";
    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private final DeployFixture fixture = EMULATOR.fixture();

    @Test
    void handleRequest_whenFirstApprovedPackage_createsAutoscaledEncryptedEndpoint() {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);

        JsonNode result = invoke(fixture.handler(), pipelineArguments(arn));

        assertEquals("DEPLOYED", result.path("status").asText(), result::toString);
        assertEquals("APPLIED", result.path("autoscaling").asText());
        assertEquals(0.71, result.path("f1").asDouble(), 1e-9);
        String configName = result.path("endpoint_config_name").asText();
        DescribeEndpointResponse endpoint = fixture.direct.sageMaker().describeEndpoint(r -> r.endpointName(ENDPOINT));
        assertEquals(configName, endpoint.endpointConfigName());
        DescribeEndpointConfigResponse config =
                fixture.direct.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(configName));
        assertEquals(DeployFixture.KMS_KEY, config.kmsKeyId());
        assertEquals("AllTraffic", config.productionVariants().get(0).variantName());
        assertEquals("ml.m5.large", config.productionVariants().get(0).instanceTypeAsString());
        DescribeModelResponse model = fixture.direct.sageMaker()
                .describeModel(r -> r.modelName(config.productionVariants().get(0).modelName()));
        assertEquals(arn, model.containers().get(0).modelPackageName());
        assertEquals(DeployFixture.ROLE, model.executionRoleArn());
        ScalableTarget target = single(fixture.scalableTargets());
        assertEquals("endpoint/" + ENDPOINT + "/variant/AllTraffic", target.resourceId());
        assertEquals(1, target.minCapacity());
        assertEquals(3, target.maxCapacity());
        ScalingPolicy policy = single(fixture.scalingPolicies());
        assertEquals(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE, policy
                .targetTrackingScalingPolicyConfiguration().predefinedMetricSpecification().predefinedMetricType());
        assertEquals(120.0, policy.targetTrackingScalingPolicyConfiguration().targetValue(), 1e-9);
        assertTrue(fixture.proxy.calls("SageMaker.CreateModel").get(0).bodyText()
                .contains("\"EnableNetworkIsolation\":true"));
    }

    @Test
    void handleRequest_whenNewerVersionApproved_updatesSameEndpointAndVariantWithGuardrails() {
        DeployHandler handler = fixture.handler();
        String first = fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED);
        invoke(handler, approvedEvent(first));
        String second = fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED);

        JsonNode result = invoke(handler, approvedEvent(second));

        assertEquals("UPDATED", result.path("status").asText(), result::toString);
        assertEquals(ENDPOINT, result.path("endpoint_name").asText());
        assertEquals(1, fixture.endpointCount());
        DescribeEndpointResponse endpoint = fixture.direct.sageMaker().describeEndpoint(r -> r.endpointName(ENDPOINT));
        assertEquals(result.path("endpoint_config_name").asText(), endpoint.endpointConfigName());
        assertEquals("AllTraffic", endpoint.productionVariants().get(0).variantName());
        JsonNode update = single(fixture.proxy.calls(UpdateEndpointEmulator.OPERATION)).json();
        assertTrue(update.path("RetainAllVariantProperties").asBoolean(), update::toString);
        JsonNode blueGreen = update.path("DeploymentConfig").path("BlueGreenUpdatePolicy");
        assertEquals("CANARY", blueGreen.path("TrafficRoutingConfiguration").path("Type").asText(), update::toString);
        assertEquals(10, blueGreen.path("TrafficRoutingConfiguration").path("CanarySize").path("Value").asInt());
        assertEquals(Set.copyOf(DeployFixture.ALARMS), update.path("DeploymentConfig")
                .path("AutoRollbackConfiguration").path("Alarms").findValuesAsText("AlarmName").stream()
                .collect(Collectors.toSet()));
        assertEquals(0, fixture.proxy.count("AnyScaleFrontendService.DeregisterScalableTarget"));
        assertEquals(1, fixture.scalableTargets().size());
    }

    @Test
    void handleRequest_whenStrategyIsAllAtOnce_sendsAllAtOnceTrafficRouting() {
        DeployHandler handler = fixture.handler(Map.of("DEPLOYMENT_STRATEGY", "all_at_once"));
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));

        invoke(handler, approvedEvent(fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED)));

        JsonNode update = single(fixture.proxy.calls(UpdateEndpointEmulator.OPERATION)).json();
        assertEquals("ALL_AT_ONCE", update.path("DeploymentConfig").path("BlueGreenUpdatePolicy")
                .path("TrafficRoutingConfiguration").path("Type").asText(), update::toString);
    }

    @Test
    void handleRequest_whenSameEventDeliveredFiveTimes_createsOneConfigAndUpdatesOnce() {
        DeployHandler handler = fixture.handler();
        String first = fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED);
        List<String> firstStatuses = Stream.generate(() -> invoke(handler, approvedEvent(first)))
                .limit(5).map(r -> r.path("status").asText()).toList();
        String second = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        List<String> secondStatuses = Stream.generate(() -> invoke(handler, approvedEvent(second)))
                .limit(5).map(r -> r.path("status").asText()).toList();

        assertEquals(List.of("DEPLOYED", "UNCHANGED", "UNCHANGED", "UNCHANGED", "UNCHANGED"), firstStatuses);
        assertEquals(List.of("UPDATED", "UNCHANGED", "UNCHANGED", "UNCHANGED", "UNCHANGED"), secondStatuses);
        assertEquals(2, fixture.endpointConfigs().size());
        assertEquals(2, fixture.models().size());
        assertEquals(1, fixture.proxy.count("SageMaker.CreateEndpoint"));
        assertEquals(1, fixture.proxy.count(UpdateEndpointEmulator.OPERATION));
    }

    @Test
    void handleRequest_whenPipelineAndEventDeploySameVersionWithOtherInstanceType_keepsLiveConfig() {
        DeployHandler handler = fixture.handler();
        String arn = fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED);
        invoke(handler, pipelineArguments(arn, "ml.m5.xlarge"));

        JsonNode result = invoke(handler, approvedEvent(arn));

        assertLiveConfigKept("UNCHANGED", result);
    }

    @Test
    void handleRequest_whenApprovedBelowGate_refusesAndCreatesNothing() {
        String arn = fixture.registerPackage(0.42, ModelApprovalStatus.APPROVED);

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("GATE_FAILED", result.path("status").asText(), result::toString);
        assertTrue(result.path("reason").asText().contains("classification_metrics.f1.value 0.42"), result::toString);
        assertNothingCreated();
        assertTrue(fixture.logs().contains("\"status\":\"GATE_FAILED\""), fixture::logs);
    }

    @Test
    void handleRequest_whenEvaluationReportMissing_refusesAndCreatesNothing() {
        String arn = fixture.registerPackage(0.9, ModelApprovalStatus.APPROVED);
        fixture.direct.s3().deleteObject(r -> r.bucket(DeployFixture.BUCKET).key(DeployFixture.reportKey(1)));

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("GATE_FAILED", result.path("status").asText(), result::toString);
        assertTrue(result.path("reason").asText().contains("does not exist"), result::toString);
        assertNothingCreated();
    }

    @Test
    void handleRequest_whenPipelineRegistersPendingPackage_waitsForApprovalEvent() {
        DeployHandler handler = fixture.handler();
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.PENDING_MANUAL_APPROVAL);

        JsonNode pending = invoke(handler, pipelineArguments(arn));
        assertEquals("PENDING_APPROVAL", pending.path("status").asText(), pending::toString);
        assertEquals(ENDPOINT, pending.path("endpoint_name").asText());
        assertEquals("", pending.path("endpoint_config_name").asText(null), "every pipeline output is present");
        assertNothingCreated();

        fixture.approve(arn);
        JsonNode approved = invoke(handler, approvedEvent(arn));
        assertEquals("DEPLOYED", approved.path("status").asText(), approved::toString);
    }

    @Test
    void handleRequest_whenEventSaysApprovedButPackageIsRejected_refuses() {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.REJECTED);

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("NOT_APPROVED", result.path("status").asText(), result::toString);
        assertNothingCreated();
    }

    static Stream<Arguments> malformedEvents() {
        String arn = GROUP_ARN_PREFIX + DeployFixture.GROUP + "/1";
        return Stream.of(
                Arguments.of("invalid JSON", "{\"model_package_arn\": ", "$"),
                Arguments.of("not an object", "[1, 2]", "$"),
                Arguments.of("neither shape", "{\"hello\": \"world\"}", "$"),
                Arguments.of("missing field", DeployFixture.approvedEvent(arn)
                        .replace("\"ModelPackageArn\"", "\"SomethingElse\""), "detail.ModelPackageArn"),
                Arguments.of("mistyped field", "{\"model_package_arn\": \"" + arn
                        + "\", \"initial_instance_count\": true}", "initial_instance_count"),
                Arguments.of("mistyped arn", "{\"model_package_arn\": 42}", "model_package_arn"),
                Arguments.of("unknown argument", "{\"model_package_arn\": \"" + arn + "\", \"instance_typ\": \"x\"}",
                        "instance_typ"),
                Arguments.of("other group", DeployFixture.packageEvent("someone-elses-group",
                        GROUP_ARN_PREFIX + "someone-elses-group/1", "Approved"), "detail.ModelPackageGroupName"),
                Arguments.of("other detail-type", DeployFixture.approvedEvent(arn)
                        .replace("SageMaker Model Package State Change", "SageMaker Training Job State Change"),
                        "detail-type"),
                Arguments.of("other source", DeployFixture.approvedEvent(arn)
                        .replace("\"aws.sagemaker\"", "\"my.app\""), "source"),
                Arguments.of("other endpoint", "{\"model_package_arn\": \"" + arn
                        + "\", \"endpoint_name\": \"prod-other\"}", "endpoint_name"),
                Arguments.of("not an ARN", "{\"model_package_arn\": \"lgbm-census/1\"}", "model_package_arn"),
                Arguments.of("threshold above 1", "{\"model_package_arn\": \"" + arn + "\", \"f1_threshold\": 5.0}",
                        "f1_threshold"),
                Arguments.of("threshold 0", "{\"model_package_arn\": \"" + arn + "\", \"f1_threshold\": \"0\"}",
                        "f1_threshold"),
                Arguments.of("threshold not a number", "{\"model_package_arn\": \"" + arn
                        + "\", \"f1_threshold\": \"high\"}", "f1_threshold"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedEvents")
    void handleRequest_whenEventMalformed_throwsNamedErrorAndCallsNothing(String label, String payload, String field) {
        fixture.registerPackage(0.9, ModelApprovalStatus.APPROVED);

        InvalidEventException error = assertThrows(InvalidEventException.class,
                () -> invoke(fixture.handler(), payload));

        assertEquals(field, error.field(), error::getMessage);
        assertTrue(error.getMessage().startsWith(field + ": "), error::getMessage);
        assertEquals(List.of(), fixture.proxy.operations(), label);
        assertTrue(fixture.logs().contains("\"field\":\"" + field + "\""), fixture::logs);
    }

    @Test
    void handleRequest_whenEventNotApproved_refusesNamingStatusFieldAndCallsNothing() {
        String arn = fixture.registerPackage(0.9, ModelApprovalStatus.REJECTED);

        JsonNode result = invoke(fixture.handler(), DeployFixture.packageEvent(DeployFixture.GROUP, arn, "Rejected"));

        assertEquals("NOT_APPROVED", result.path("status").asText(), result::toString);
        assertTrue(result.path("reason").asText().contains("detail.ModelApprovalStatus"), result::toString);
        assertEquals(List.of(), fixture.proxy.operations());
    }

    @Test
    void handleRequest_whenPackageOfAnotherGroupViaPipeline_throwsNamedErrorAndCreatesNothing() {
        fixture.direct.sageMaker().createModelPackageGroup(r -> r.modelPackageGroupName("other-group"));
        String arn = fixture.direct.sageMaker().createModelPackage(r -> r.modelPackageGroupName("other-group")
                .modelApprovalStatus(ModelApprovalStatus.APPROVED)).modelPackageArn();

        InvalidEventException error = assertThrows(InvalidEventException.class,
                () -> invoke(fixture.handler(), pipelineArguments(arn)));

        assertEquals("model_package_arn", error.field());
        assertNothingCreated();
    }

    @Test
    void handleRequest_whenEndpointIsUpdating_throwsRetryableAndChangesNothing() {
        deployingNextWhileEndpointIs(fixture.handler(), "Updating", RetryableDeployException.class);

        assertTrue(fixture.noMutatingCalls(), () -> fixture.proxy.operations().toString());
        assertEquals(1, fixture.endpointConfigs().size());
    }

    @Test
    void handleRequest_whenEndpointFailed_throwsFailedAndDeletesNothing() {
        DeployFailedException error = deployingNextWhileEndpointIs(fixture.handler(), "Failed",
                DeployFailedException.class);

        assertTrue(error.getMessage().contains("is Failed"), error::getMessage);
        assertEquals(1, fixture.endpointCount());
        assertTrue(fixture.proxy.operations().stream().noneMatch(op -> op.contains("Delete")));
    }

    @Test
    void handleRequest_whenInstanceTypeChanges_deregistersAutoscalingAroundUpdate() {
        DeployHandler handler = fixture.handler();
        String second = fixture.liveAndNext(handler, DeployFixture::pipelineArguments);

        JsonNode result = invoke(handler, pipelineArguments(second, "ml.m5.xlarge"));

        assertEquals("UPDATED", result.path("status").asText(), result::toString);
        List<String> autoscalingAndUpdate = fixture.proxy.operations().stream()
                .filter(op -> op.endsWith("ScalableTarget") || op.equals(UpdateEndpointEmulator.OPERATION))
                .toList();
        assertEquals(List.of(
                "AnyScaleFrontendService.DeregisterScalableTarget",
                UpdateEndpointEmulator.OPERATION,
                "AnyScaleFrontendService.RegisterScalableTarget"), autoscalingAndUpdate);
        assertFalse(single(fixture.proxy.calls(UpdateEndpointEmulator.OPERATION)).json()
                .path("RetainAllVariantProperties").asBoolean(true));
        assertEquals(1, fixture.scalableTargets().size());
        assertEquals(1, fixture.scalingPolicies().size());
        String live = fixture.liveEndpointConfigName();
        assertEquals("ml.m5.xlarge", fixture.direct.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(live))
                .productionVariants().get(0).instanceTypeAsString());
    }

    @Test
    void handleRequest_whenUpdateRejectedAfterDeregistering_restoresAutoscaling() {
        DeployHandler handler = fixture.handler();
        String second = fixture.liveAndNext(handler, DeployFixture::pipelineArguments);
        fixture.proxy.reset();
        fixture.proxy.failAlways(UpdateEndpointEmulator.OPERATION, FaultInjectingProxy.Reply.awsJsonError(400,
                "ValidationException", "Instance type ml.m5.xlarge is not available"));

        assertThrows(DeployFailedException.class, () -> invoke(handler, pipelineArguments(second, "ml.m5.xlarge")));

        assertEquals(1, fixture.proxy.count("AnyScaleFrontendService.DeregisterScalableTarget"));
        assertEquals(1, fixture.scalableTargets().size());
        assertEquals(1, fixture.scalingPolicies().size());
    }

    @Test
    void handleRequest_whenOlderVersionArrivesAfterNewer_isSupersededAndUpdatesNothing() {
        DeployHandler handler = fixture.handler();
        String older = fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED);
        String newer = fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED);
        invoke(handler, approvedEvent(newer));

        JsonNode result = invoke(handler, approvedEvent(older));

        assertLiveConfigKept("SUPERSEDED", result);
    }

    @Test
    void handleRequest_whenMoreVersionsThanKept_deletesOldestModelsAndConfigs() {
        DeployHandler handler = fixture.handler(Map.of("KEEP_LAST_VERSIONS", "2"));
        for (int i = 0; i < 4; i++) {
            invoke(handler, approvedEvent(fixture.registerPackage(0.70 + i / 100.0, ModelApprovalStatus.APPROVED)));
        }

        assertEquals(Set.of(3, 4), versions(fixture.endpointConfigs().stream()
                .map(EndpointConfigSummary::endpointConfigName).toList()));
        assertEquals(Set.of(3, 4), versions(fixture.models().stream().map(ModelSummary::modelName).toList()));
        String live = fixture.liveEndpointConfigName();
        assertEquals(4, new ResourceNames(ENDPOINT).versionOf(live).getAsInt());
    }

    @Test
    void handleRequest_whenUpdatesRollBack_neverDeletesLiveConfigOrItsModel() {
        DeployHandler handler = fixture.handler(Map.of("KEEP_LAST_VERSIONS", "1"));
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        String live = fixture.liveEndpointConfigName();
        fixture.proxy.reset();
        // Accept updates without applying them: the endpoint stays on v1, as after an automatic rollback.
        fixture.proxy.failAlways(UpdateEndpointEmulator.OPERATION, FaultInjectingProxy.Reply.json(200,
                "{\"EndpointArn\":\"arn:aws:sagemaker:us-east-1:123456789012:endpoint/" + ENDPOINT + "\"}"));
        for (int i = 0; i < 3; i++) {
            invoke(handler, approvedEvent(fixture.registerPackage(0.71 + i / 100.0, ModelApprovalStatus.APPROVED)));
        }

        List<String> configs = fixture.endpointConfigs().stream().map(EndpointConfigSummary::endpointConfigName)
                .toList();
        assertTrue(configs.contains(live), configs::toString);
        String liveModel = fixture.direct.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(live))
                .productionVariants().get(0).modelName();
        assertTrue(fixture.models().stream().anyMatch(m -> m.modelName().equals(liveModel)));
        assertEquals(Set.of(1, 4), versions(configs));
    }

    @Test
    void handleRequest_whenEndpointBackInService_reappliesAutoscaling() {
        DeployHandler handler = fixture.handler();
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        fixture.direct.autoscaling().deregisterScalableTarget(
                new DeployTranslator(DeploySettings.fromEnvironment(DeployFixture.environment()))
                        .deregisterScalableTarget(ENDPOINT, Variants.CHAMPION));
        assertEquals(0, fixture.scalableTargets().size());

        JsonNode result = invoke(handler, DeployFixture.endpointEvent(ENDPOINT, "IN_SERVICE"));

        assertEquals("AUTOSCALING_APPLIED", result.path("status").asText(), result::toString);
        assertEquals(1, fixture.scalableTargets().size());
        assertEquals(1, fixture.scalingPolicies().size());
    }

    @Test
    void handleRequest_whenEndpointStillUpdating_waitsWithoutError() {
        DeployHandler handler = fixture.handler();
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        reportEndpointStatus("Updating");

        JsonNode result = invoke(handler, DeployFixture.endpointEvent(ENDPOINT, "UPDATING"));

        assertEquals("WAITING", result.path("status").asText(), result::toString);
    }

    // ---------------------------------------------------------------- gate: metrics and thresholds

    static Stream<Arguments> brokenF1Values() {
        return Stream.of(
                Arguments.of("5.0", "5.0"),
                Arguments.of("1e400", "Infinity"),
                Arguments.of("NaN", "NaN"),
                Arguments.of("-1", "-1"),
                Arguments.of("\"0.95\"", "\"0.95\""),
                Arguments.of("null", "null"));
    }

    @ParameterizedTest(name = "f1 = {0}")
    @MethodSource("brokenF1Values")
    void handleRequest_whenReportedF1IsNotAnF1Score_refusesNamingTheValueAndCreatesNothing(String f1Json,
            String named) {
        String arn = fixture.registerPackage(f1Json, Map.of(), ModelApprovalStatus.APPROVED);

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("GATE_FAILED", result.path("status").asText(), result::toString);
        assertTrue(result.path("reason").asText().contains("classification_metrics.f1.value"), result::toString);
        assertTrue(result.path("reason").asText().contains(named), result::toString);
        assertNothingCreated();
    }

    @Test
    void handleRequest_whenApprovalEventForPackageRecordingItsThreshold_gatesOnTheRecordedThreshold() {
        DeployHandler handler = fixture.handler();
        String strict = fixture.registerPackage("0.75", Map.of("f1_threshold", "0.8"), ModelApprovalStatus.APPROVED);

        JsonNode refused = invoke(handler, approvedEvent(strict));

        assertEquals("GATE_FAILED", refused.path("status").asText(), refused::toString);
        assertEquals(0.8, refused.path("f1_threshold").asDouble(), 1e-9);
        assertTrue(refused.path("reason").asText().contains("CustomerMetadataProperties.f1_threshold 0.8"),
                refused::toString);
        assertNothingCreated();

        // The README's example: an execution with F1Threshold=0.7 registers a package the function deploys.
        String lenient = fixture.registerPackage("0.71", Map.of("f1_threshold", "0.7"), ModelApprovalStatus.APPROVED);
        JsonNode deployed = invoke(handler, approvedEvent(lenient));
        assertEquals("DEPLOYED", deployed.path("status").asText(), deployed::toString);
        assertEquals(0.7, deployed.path("f1_threshold").asDouble(), 1e-9);
    }

    @Test
    void handleRequest_whenPipelinePassesThresholdAboveFloor_gatesOnIt() {
        String arn = fixture.registerPackage(0.65, ModelApprovalStatus.APPROVED);

        JsonNode result = invoke(fixture.handler(), withThreshold(pipelineArguments(arn), "0.7"));

        assertEquals("GATE_FAILED", result.path("status").asText(), result::toString);
        assertEquals(0.7, result.path("f1_threshold").asDouble(), 1e-9);
        assertNothingCreated();
    }

    @Test
    void handleRequest_whenThresholdsAreBelowTheFloor_theFloorApplies() {
        String arn = fixture.registerPackage("0.45", Map.of("f1_threshold", "0.3"), ModelApprovalStatus.APPROVED);

        JsonNode viaPipeline = invoke(fixture.handler(), withThreshold(pipelineArguments(arn), "0.3"));
        JsonNode viaEvent = invoke(fixture.handler(), approvedEvent(arn));

        for (JsonNode result : List.of(viaPipeline, viaEvent)) {
            assertEquals("GATE_FAILED", result.path("status").asText(), result::toString);
            assertEquals(0.5, result.path("f1_threshold").asDouble(), 1e-9);
            assertTrue(result.path("reason").asText().contains("MIN_F1_THRESHOLD 0.5"), result::toString);
        }
        assertNothingCreated();
    }

    @ParameterizedTest(name = "f1_threshold = {0}")
    @ValueSource(strings = {"1.5", "0", "-0.2", "NaN", "high"})
    void handleRequest_whenPackageRecordsAnInvalidThreshold_refusesNamingIt(String recorded) {
        String arn = fixture.registerPackage("0.9", Map.of("f1_threshold", recorded), ModelApprovalStatus.APPROVED);

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("GATE_FAILED", result.path("status").asText(), result::toString);
        assertTrue(result.path("reason").asText().contains("CustomerMetadataProperties.f1_threshold \"" + recorded
                + "\""), result::toString);
        assertNothingCreated();
    }

    // ---------------------------------------------------------------- resources of the expected name

    static Stream<Arguments> plantedModels() {
        String otherRole = "arn:aws:iam::123456789012:role/someone-else";
        String otherImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/other:latest";
        return Stream.of(
                Arguments.of("other image and model data", DeployFixture.ROLE, otherImage, "s3://elsewhere/model.tar.gz",
                        "runs image " + otherImage),
                Arguments.of("same image, other model data", DeployFixture.ROLE, DeployFixture.IMAGE,
                        "s3://elsewhere/model.tar.gz", "loads model data s3://elsewhere/model.tar.gz"),
                Arguments.of("our package, other role", otherRole, DeployFixture.IMAGE, DeployFixture.MODEL_DATA,
                        "runs with execution role " + otherRole));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plantedModels")
    void handleRequest_whenModelOfExpectedNameIsNotOurs_failsWithoutTouchingAnEndpoint(String label, String role,
            String image, String modelData, String problem) {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        String modelName = DeployFixture.plan(arn, 1).modelName();
        fixture.direct.sageMaker().createModel(r -> r.modelName(modelName).executionRoleArn(role)
                .primaryContainer(c -> c.image(image).modelDataUrl(modelData)));

        DeployFailedException error = assertThrows(DeployFailedException.class,
                () -> invoke(fixture.handler(), approvedEvent(arn)));

        assertTrue(error.getMessage().startsWith("model " + modelName + " already exists but "), error::getMessage);
        assertTrue(error.getMessage().contains(problem), error::getMessage);
        assertFalse(error.getMessage().contains("\n"), "one line");
        assertEquals(0, fixture.endpointCount());
        assertEquals(List.of(), fixture.endpointConfigs());
        assertTrue(fixture.logs().contains("\"error\":\"FAILED\""), fixture::logs);
    }

    @Test
    void handleRequest_whenModelOfExpectedNameServesThePackage_reusesIt() {
        String arn = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        String modelName = DeployFixture.plan(arn, 1).modelName();
        fixture.direct.sageMaker().createModel(r -> r.modelName(modelName).executionRoleArn(DeployFixture.ROLE)
                .primaryContainer(c -> c.image(DeployFixture.IMAGE).modelDataUrl(DeployFixture.MODEL_DATA)));

        JsonNode result = invoke(fixture.handler(), approvedEvent(arn));

        assertEquals("DEPLOYED", result.path("status").asText(), result::toString);
        assertEquals(0, fixture.proxy.count("SageMaker.CreateModel"));
    }

    @Test
    void handleRequest_whenEndpointConfigOfExpectedNamePointsElsewhere_failsAndKeepsTheLiveConfig() {
        DeployHandler handler = fixture.handler();
        invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        String live = fixture.liveEndpointConfigName();
        String liveModel = fixture.direct.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(live))
                .productionVariants().get(0).modelName();
        String second = fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED);
        DeployTranslator.Plan plan = DeployFixture.plan(second, 2);
        fixture.direct.sageMaker().createEndpointConfig(r -> r.endpointConfigName(plan.endpointConfigName())
                .kmsKeyId(DeployFixture.KMS_KEY)
                .productionVariants(v -> v.variantName("AllTraffic").modelName(liveModel)
                        .instanceType(plan.instanceType()).initialInstanceCount(1)));
        fixture.clearRecordedCalls();

        DeployFailedException error = assertThrows(DeployFailedException.class,
                () -> invoke(handler, approvedEvent(second)));

        assertTrue(error.getMessage().contains("points its variant at model " + liveModel + ", not "
                + plan.modelName()), error::getMessage);
        assertEquals(0, fixture.proxy.count(UpdateEndpointEmulator.OPERATION));
        assertEquals(live, fixture.liveEndpointConfigName());
    }

    // ---------------------------------------------------------------- a busy or odd endpoint

    static Stream<Arguments> busyEndpointAnswers() {
        return Stream.of(
                Arguments.of(FaultInjectingProxy.Reply.awsJsonError(400, "ValidationException",
                        "Cannot update in-progress endpoint \"arn:aws:sagemaker:us-east-1:123456789012:endpoint/"
                                + ENDPOINT + "\".")),
                Arguments.of(FaultInjectingProxy.Reply.awsJsonError(400, "ResourceInUse",
                        "Resource being accessed is in use.")));
    }

    @ParameterizedTest
    @MethodSource("busyEndpointAnswers")
    void handleRequest_whenUpdateFindsEndpointBusy_throwsRetryableAndRestoresAutoscaling(
            FaultInjectingProxy.Reply answer) {
        DeployHandler handler = fixture.handler();
        String second = fixture.liveAndNext(handler, DeployFixture::pipelineArguments);
        String live = fixture.liveEndpointConfigName();
        fixture.proxy.failAlways(UpdateEndpointEmulator.OPERATION, answer);

        RetryableDeployException error = assertThrows(RetryableDeployException.class,
                () -> invoke(handler, pipelineArguments(second, "ml.m5.xlarge")));

        assertTrue(error.getMessage().contains("busy"), error::getMessage);
        assertEquals(live, fixture.liveEndpointConfigName());
        assertEquals(1, fixture.scalableTargets().size());
        assertEquals(1, fixture.scalingPolicies().size());
        assertTrue(fixture.logs().contains("\"error\":\"RETRYABLE\""), fixture::logs);
    }

    @Test
    void handleRequest_whenDescribeEndpointOmitsStatus_throwsRetryableOneLineAndChangesNothing() {
        DeployHandler handler = fixture.handler();
        RetryableDeployException error = deployingNextWhileEndpointIs(handler, null, RetryableDeployException.class);

        assertTrue(error.getMessage().contains("without an EndpointStatus"), error::getMessage);
        assertFalse(error.getMessage().contains("\n"), "one line");
        assertTrue(fixture.noMutatingCalls(), () -> fixture.proxy.operations().toString());
        JsonNode waiting = invoke(handler, DeployFixture.endpointEvent(ENDPOINT, "IN_SERVICE"));
        assertEquals("WAITING", waiting.path("status").asText(), waiting::toString);
    }

    @Test
    void handleRequest_whenDescribeEndpointReportsUnknownStatus_throwsFailedNamingIt() {
        DeployFailedException error = deployingNextWhileEndpointIs(fixture.handler(), "Hibernating",
                DeployFailedException.class);

        assertTrue(error.getMessage().contains("\"Hibernating\""), error::getMessage);
        assertTrue(fixture.noMutatingCalls(), () -> fixture.proxy.operations().toString());
    }

    private static String withThreshold(String pipelineArguments, String threshold) {
        return pipelineArguments.substring(0, pipelineArguments.lastIndexOf('}'))
                + ", \"f1_threshold\": " + threshold + "}";
    }

    /**
     * Version 1 live and the endpoint described as {@code status} (null: without a status): the
     * approval of version 2 fails with {@code expected}, which is returned.
     */
    private <E extends DeployException> E deployingNextWhileEndpointIs(DeployHandler handler, String status,
            Class<E> expected) {
        String next = fixture.liveAndNext(handler, DeployFixture::approvedEvent);
        reportEndpointStatus(status);
        return assertThrows(expected, () -> invoke(handler, approvedEvent(next)));
    }

    private void reportEndpointStatus(String status) {
        fixture.proxy.when(call -> "SageMaker.DescribeEndpoint".equals(call.operation()), -1, (call, forwarder) -> {
            FaultInjectingProxy.Reply reply = forwarder.forward(call);
            ObjectNode body = (ObjectNode) JSON.readTree(reply.body());
            if (status == null) {
                body.remove("EndpointStatus");
            } else {
                body.put("EndpointStatus", status);
            }
            if ("Failed".equals(status)) {
                body.put("FailureReason", "Image pull failed");
            }
            return new FaultInjectingProxy.Reply(reply.status(), reply.headers(), JSON.writeValueAsBytes(body));
        });
    }

    /** The invocation ended with {@code status}, rolled nothing out and created no endpoint config. */
    private void assertLiveConfigKept(String status, JsonNode result) {
        assertEquals(status, result.path("status").asText(), result::toString);
        assertEquals(0, fixture.proxy.count(UpdateEndpointEmulator.OPERATION));
        assertEquals(1, fixture.endpointConfigs().size());
    }

    private void assertNothingCreated() {
        assertTrue(fixture.noMutatingCalls(), () -> fixture.proxy.operations().toString());
        assertEquals(0, fixture.endpointCount());
        assertEquals(List.of(), fixture.endpointConfigs());
        assertEquals(List.of(), fixture.models());
        assertEquals(List.of(), fixture.scalableTargets());
    }

    private static Set<Integer> versions(List<String> names) {
        ResourceNames ours = new ResourceNames(ENDPOINT);
        return names.stream().map(n -> ours.versionOf(n).orElse(-1)).collect(Collectors.toSet());
    }

    private static <T> T single(List<T> items) {
        assertEquals(1, items.size(), items::toString);
        return items.get(0);
    }
}
