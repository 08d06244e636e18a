package io.lgbmops.deploy;

import static io.lgbmops.deploy.DeployFixture.ENDPOINT;
import static io.lgbmops.deploy.DeployFixture.approvedEvent;
import static io.lgbmops.deploy.DeployFixture.endpointEvent;
import static io.lgbmops.deploy.DeployFixture.invoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * A/B and shadow modes, promotion and rollback, against moto through the recording proxy.
 * moto drops ShadowProductionVariants: {@link ShadowVariantEmulator} keeps them at the proxy.
 */
class VariantDeploymentIntegrationTest {

    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private final DeployFixture fixture = EMULATOR.fixture();

    private DeployHandler ab() {
        return fixture.handler(Map.of("DEPLOYMENT_MODE", "ab", "CHALLENGER_WEIGHT_PERCENT", "20"));
    }

    private DeployHandler shadow() {
        return fixture.handler(Map.of("DEPLOYMENT_MODE", "shadow", "SHADOW_SAMPLING_PERCENT", "50"));
    }

    /** Champion version 1 deployed, version 2 approved and joined: returns the champion's config name. */
    private String championAndNewcomer(DeployHandler handler) {
        JsonNode first = invoke(handler, approvedEvent(fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        assertEquals("DEPLOYED", first.path("status").asText(), first::toString);
        JsonNode second = invoke(handler, approvedEvent(fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED)));
        assertEquals("VARIANT_ADDED", second.path("status").asText(), second::toString);
        return first.path("endpoint_config_name").asText();
    }

    @Test
    void abMode_whenNewerVersionApproved_addsChallengerWithConfiguredWeightsAndAutoscalesBoth() {
        DeployHandler handler = ab();
        String next = fixture.liveAndNext(handler, DeployFixture::approvedEvent);

        JsonNode result = invoke(handler, approvedEvent(next));

        assertEquals("VARIANT_ADDED", result.path("status").asText(), result::toString);
        DescribeEndpointConfigResponse live = fixture.liveEndpointConfig();
        assertEquals(result.path("endpoint_config_name").asText(), live.endpointConfigName());
        Map<String, ProductionVariant> variants = live.productionVariants().stream()
                .collect(Collectors.toMap(ProductionVariant::variantName, v -> v));
        assertEquals(Set.of("AllTraffic", "Challenger"), variants.keySet());
        assertEquals(80.0f, variants.get("AllTraffic").initialVariantWeight());
        assertEquals(20.0f, variants.get("Challenger").initialVariantWeight());
        assertEquals(1, fixture.direct.sageMaker().describeModel(r -> r.modelName(variants.get("AllTraffic").modelName()))
                .containers().size());
        assertTrue(variants.get("AllTraffic").modelName().startsWith(ENDPOINT + "-v1-"));
        assertTrue(variants.get("Challenger").modelName().startsWith(ENDPOINT + "-v2-"));
        assertEquals(Set.of("endpoint/" + ENDPOINT + "/variant/AllTraffic", "endpoint/" + ENDPOINT + "/variant/Challenger"),
                scalableResourceIds());
        assertEquals(Set.of(ENDPOINT + "-invocations-per-instance", ENDPOINT + "-challenger-invocations-per-instance"),
                policyNames());
        JsonNode update = single(fixture.proxy.calls(UpdateEndpointEmulator.OPERATION)).json();
        assertTrue(update.path("DeploymentConfig").isMissingNode(), update::toString);
        assertTrue(update.path("RetainAllVariantProperties").asBoolean(), update::toString);
        assertEquals("DesiredWeight", update.path("ExcludeRetainedVariantProperties").get(0)
                .path("VariantPropertyType").asText(), update::toString);
        assertEquals(List.of("AllTraffic:80", "Challenger:20"), traffic(result));
        assertTrue(fixture.logs().contains("\"traffic\":[{\"variant\":\"AllTraffic\""), fixture::logs);
        show("ab endpoint config as created", fixture.proxy.calls("SageMaker.CreateEndpointConfig"));
    }

    @Test
    void shadowMode_whenNewerVersionApproved_addsShadowVariantThatAnswersNothing() {
        DeployHandler handler = shadow();
        String next = fixture.liveAndNext(handler, DeployFixture::approvedEvent);

        JsonNode result = invoke(handler, approvedEvent(next));

        assertEquals("VARIANT_ADDED", result.path("status").asText(), result::toString);
        JsonNode created = single(fixture.proxy.calls("SageMaker.CreateEndpointConfig")).json();
        assertEquals(1, created.path("ProductionVariants").size(), created::toString);
        assertEquals("AllTraffic", created.path("ProductionVariants").get(0).path("VariantName").asText());
        assertEquals(100.0, created.path("ProductionVariants").get(0).path("InitialVariantWeight").asDouble());
        JsonNode shadowVariant = created.path("ShadowProductionVariants").get(0);
        assertEquals("Shadow", shadowVariant.path("VariantName").asText(), created::toString);
        assertEquals(50.0, shadowVariant.path("InitialVariantWeight").asDouble());
        assertTrue(shadowVariant.path("ModelName").asText().startsWith(ENDPOINT + "-v2-"));
        // Described through the proxy, as the function sees it.
        DescribeEndpointConfigResponse live = fixture.viaProxy.sageMaker().describeEndpointConfig(r -> r
                .endpointConfigName(result.path("endpoint_config_name").asText()));
        assertEquals("Shadow", single(live.shadowProductionVariants()).variantName());
        assertEquals(Set.of("endpoint/" + ENDPOINT + "/variant/AllTraffic", "endpoint/" + ENDPOINT + "/variant/Shadow"),
                scalableResourceIds());
        assertEquals(List.of("AllTraffic:100", "Shadow:copy 50"), traffic(result));
        show("shadow endpoint config as created", fixture.proxy.calls("SageMaker.CreateEndpointConfig"));
    }

    @Test
    void replaceMode_endpointConfigAsCreated() {
        DeployHandler handler = fixture.handler();
        String next = fixture.liveAndNext(handler, DeployFixture::approvedEvent);

        JsonNode result = invoke(handler, approvedEvent(next));

        assertEquals("UPDATED", result.path("status").asText(), result::toString);
        assertTrue(result.path("traffic").isMissingNode(), result::toString);
        JsonNode created = single(fixture.proxy.calls("SageMaker.CreateEndpointConfig")).json();
        assertEquals(1, created.path("ProductionVariants").size());
        assertTrue(created.path("ShadowProductionVariants").isMissingNode(), created::toString);
        show("replace endpoint config as created", fixture.proxy.calls("SageMaker.CreateEndpointConfig"));
    }

    @Test
    void promote_whenChallengerLive_makesItTheSoleVariantAfterDeregisteringTheChallenger() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);
        fixture.clearRecordedCalls();

        JsonNode result = invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": 2}");

        assertEquals("PROMOTED", result.path("status").asText(), result::toString);
        assertEquals(0.72, result.path("f1").asDouble(), 1e-9);
        DescribeEndpointConfigResponse live = fixture.liveEndpointConfig();
        ProductionVariant sole = single(live.productionVariants());
        assertEquals("AllTraffic", sole.variantName());
        assertTrue(sole.modelName().startsWith(ENDPOINT + "-v2-"), sole::toString);
        // Application Auto Scaling deletes a deregistered target's policies; moto keeps them, so only
        // the targets are compared here.
        assertEquals(Set.of("endpoint/" + ENDPOINT + "/variant/AllTraffic"), scalableResourceIds());
        List<String> calls = fixture.proxy.operations();
        assertTrue(calls.indexOf("AnyScaleFrontendService.DeregisterScalableTarget")
                < calls.indexOf(UpdateEndpointEmulator.OPERATION), calls::toString);
        assertTrue(calls.contains("SageMaker.DescribeModelPackage"), "promotion passes the gate again: " + calls);
        assertEquals(List.of("AllTraffic:100"), traffic(result));
        show("promote: calls", fixture.proxy.calls());
    }

    @Test
    void rollback_whenChallengerLive_returnsToTheChampionsOwnConfig() {
        DeployHandler handler = ab();
        String championConfig = championAndNewcomer(handler);
        fixture.clearRecordedCalls();

        JsonNode result = invoke(handler, "{\"operation\": \"rollback\", \"model_package_version\": 2}");

        assertEquals("ROLLED_BACK", result.path("status").asText(), result::toString);
        assertEquals(championConfig, fixture.liveEndpointConfig().endpointConfigName());
        assertTrue(single(fixture.liveEndpointConfig().productionVariants()).modelName().startsWith(ENDPOINT + "-v1-"));
        assertEquals(Set.of("endpoint/" + ENDPOINT + "/variant/AllTraffic"), scalableResourceIds());
        assertEquals(0, fixture.proxy.count("SageMaker.CreateEndpointConfig"), "the champion's config is reused");
        assertEquals(0, fixture.proxy.count("SageMaker.DescribeModelPackage"), "a rollback needs no gate");
        show("rollback: calls", fixture.proxy.calls());
    }

    @Test
    void promote_whenShadowLive_removesTheShadowAndItsAutoscaling() {
        DeployHandler handler = shadow();
        championAndNewcomer(handler);

        JsonNode result = invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": \"2\"}");

        assertEquals("PROMOTED", result.path("status").asText(), result::toString);
        DescribeEndpointConfigResponse live = fixture.viaProxy.sageMaker()
                .describeEndpointConfig(r -> r.endpointConfigName(fixture.liveEndpointConfig().endpointConfigName()));
        assertFalse(live.hasShadowProductionVariants() && !live.shadowProductionVariants().isEmpty(), live::toString);
        assertTrue(single(live.productionVariants()).modelName().startsWith(ENDPOINT + "-v2-"));
        assertEquals(Set.of("endpoint/" + ENDPOINT + "/variant/AllTraffic"), scalableResourceIds());
    }

    @Test
    void promote_whenChallengerNoLongerApproved_changesNothing() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);
        String challengerArn = fixture.direct.sageMaker().listModelPackages(r -> r
                .modelPackageGroupName(DeployFixture.GROUP)).modelPackageSummaryList().stream()
                .filter(p -> p.modelPackageVersion() == 2).findFirst().orElseThrow().modelPackageArn();
        fixture.direct.sageMaker().updateModelPackage(r -> r.modelPackageArn(challengerArn)
                .modelApprovalStatus(ModelApprovalStatus.REJECTED));
        String before = fixture.liveEndpointConfig().endpointConfigName();
        fixture.clearRecordedCalls();

        JsonNode result = invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": 2}");

        assertEquals("NOT_APPROVED", result.path("status").asText(), result::toString);
        assertEquals(before, fixture.liveEndpointConfig().endpointConfigName());
        assertTrue(fixture.noMutatingCalls(), fixture.proxy.operations()::toString);
    }

    @Test
    void duplicateAndLateEvents_afterPromotion_leaveThePromotedModelAlone() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);
        invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": 2}");
        String promoted = fixture.liveEndpointConfig().endpointConfigName();
        fixture.clearRecordedCalls();

        JsonNode again = invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": 2}");
        JsonNode lateRollback = invoke(handler, "{\"operation\": \"rollback\", \"model_package_version\": 2}");
        JsonNode alarmRollback = invoke(handler, "{\"operation\": \"rollback\", \"reason\": \"alarm\"}");
        JsonNode lateApproval = invoke(handler, approvedEvent(packageArn(2)));
        JsonNode olderApproval = invoke(handler, approvedEvent(packageArn(1)));

        assertEquals("UNCHANGED", again.path("status").asText(), again::toString);
        assertEquals("NO_VARIANT", lateRollback.path("status").asText(), lateRollback::toString);
        assertTrue(lateRollback.path("reason").asText().contains("is the champion and is not rolled back"),
                lateRollback::toString);
        assertEquals("NO_VARIANT", alarmRollback.path("status").asText(), alarmRollback::toString);
        assertEquals("UNCHANGED", lateApproval.path("status").asText(), lateApproval::toString);
        assertEquals("SUPERSEDED", olderApproval.path("status").asText(), olderApproval::toString);
        assertEquals(promoted, fixture.liveEndpointConfig().endpointConfigName());
        assertEquals(0, fixture.proxy.count(UpdateEndpointEmulator.OPERATION));
        assertEquals(0, fixture.proxy.count("SageMaker.CreateEndpointConfig"));
        assertEquals(Set.of("endpoint/" + ENDPOINT + "/variant/AllTraffic"), scalableResourceIds());
    }

    @Test
    void duplicateAndLateEvents_afterRollback_leaveTheChampionAlone() {
        DeployHandler handler = ab();
        String championConfig = championAndNewcomer(handler);
        invoke(handler, "{\"operation\": \"rollback\", \"model_package_version\": 2}");
        fixture.clearRecordedCalls();

        JsonNode again = invoke(handler, "{\"operation\": \"rollback\", \"model_package_version\": 2}");
        JsonNode latePromote = invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": 2}");

        assertEquals("NO_VARIANT", again.path("status").asText(), again::toString);
        assertEquals("NO_VARIANT", latePromote.path("status").asText(), latePromote::toString);
        assertEquals(championConfig, fixture.liveEndpointConfig().endpointConfigName());
        assertTrue(fixture.noMutatingCalls(), fixture.proxy.operations()::toString);
    }

    @Test
    void duplicateApprovals_whileChallengerLive_changeNothing() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);
        String live = fixture.liveEndpointConfig().endpointConfigName();
        fixture.clearRecordedCalls();

        JsonNode challengerAgain = invoke(handler, approvedEvent(packageArn(2)));
        JsonNode championAgain = invoke(handler, approvedEvent(packageArn(1)));
        JsonNode wrongVersion = invoke(handler, "{\"operation\": \"promote\", \"model_package_version\": 1}");

        assertEquals("UNCHANGED", challengerAgain.path("status").asText(), challengerAgain::toString);
        assertEquals("UNCHANGED", championAgain.path("status").asText(), championAgain::toString);
        assertEquals("NO_VARIANT", wrongVersion.path("status").asText(), wrongVersion::toString);
        assertEquals(live, fixture.liveEndpointConfig().endpointConfigName());
        assertEquals(0, fixture.proxy.count(UpdateEndpointEmulator.OPERATION));
        assertEquals(0, fixture.proxy.count("SageMaker.CreateEndpointConfig"));
        assertEquals(2, scalableResourceIds().size());
    }

    @Test
    void abMode_whenNewerChallengerApproved_replacesTheOlderChallengerOnly() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);

        JsonNode third = invoke(handler, approvedEvent(fixture.registerPackage(0.74, ModelApprovalStatus.APPROVED)));
        JsonNode lateSecond = invoke(handler, approvedEvent(packageArn(2)));

        assertEquals("VARIANT_ADDED", third.path("status").asText(), third::toString);
        assertEquals("SUPERSEDED", lateSecond.path("status").asText(), lateSecond::toString);
        Map<String, String> models = fixture.liveEndpointConfig().productionVariants().stream()
                .collect(Collectors.toMap(ProductionVariant::variantName, ProductionVariant::modelName));
        assertTrue(models.get("AllTraffic").startsWith(ENDPOINT + "-v1-"), models::toString);
        assertTrue(models.get("Challenger").startsWith(ENDPOINT + "-v3-"), models::toString);
    }

    @Test
    void endpointStateChange_inAbMode_autoscalesEveryVariant() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);
        fixture.direct.autoscaling().deregisterScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .resourceId("endpoint/" + ENDPOINT + "/variant/Challenger"));

        JsonNode result = invoke(handler, endpointEvent(ENDPOINT, "InService"));

        assertEquals("AUTOSCALING_APPLIED", result.path("status").asText(), result::toString);
        assertEquals(2, scalableResourceIds().size());
    }

    @Test
    void rollback_fromTheAlarmRule_namesNoVersionAndLogsTheAlarm() {
        DeployHandler handler = ab();
        championAndNewcomer(handler);

        JsonNode result = invoke(handler, "{\"operation\": \"rollback\", \"reason\": \"lgbm-census-challenger-5xx\"}");

        assertEquals("ROLLED_BACK", result.path("status").asText(), result::toString);
        assertTrue(result.path("reason").asText().endsWith("(requested: lgbm-census-challenger-5xx)"), result::toString);
        assertTrue(single(fixture.liveEndpointConfig().productionVariants()).modelName().startsWith(ENDPOINT + "-v1-"));
    }

    @Test
    void failsOperation_whenPromoteNamesNoVersion_beforeAnyCall() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> invoke(ab(), "{\"operation\": \"promote\"}"));

        assertEquals("model_package_version", e.field());
        assertEquals(List.of(), fixture.proxy.operations());
        assertThrows(InvalidEventException.class, () -> invoke(ab(), "{\"operation\": \"demote\"}"));
    }

    // ---------------------------------------------------------------- helpers

    private String packageArn(int version) {
        return fixture.direct.sageMaker().listModelPackages(r -> r.modelPackageGroupName(DeployFixture.GROUP))
                .modelPackageSummaryList().stream().filter(p -> p.modelPackageVersion() == version)
                .findFirst().orElseThrow().modelPackageArn();
    }

    private Set<String> scalableResourceIds() {
        return fixture.scalableTargets().stream().map(t -> t.resourceId()).collect(Collectors.toSet());
    }

    private Set<String> policyNames() {
        return fixture.direct.autoscaling().describeScalingPolicies(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER))
                .scalingPolicies().stream().map(p -> p.policyName()).collect(Collectors.toSet());
    }

    private static List<String> traffic(JsonNode result) {
        return java.util.stream.StreamSupport.stream(result.path("traffic").spliterator(), false)
                .map(t -> t.path("variant").asText() + ":" + (t.path("role").asText().equals("shadow")
                        ? "copy " + t.path("copied_percent").asInt() : t.path("answered_percent").asInt()))
                .toList();
    }

    /** The evidence the README quotes: request bodies and call sequences, on the test's output. */
    private static void show(String title, List<FaultInjectingProxy.Call> calls) {
        System.out.println("=== " + title);
        for (FaultInjectingProxy.Call call : calls) {
            String body = call.bodyText();
            System.out.println(call.operation() + (body.isEmpty() || call.operation().startsWith("GET") ? "" : " " + body));
        }
    }

    private static <T> T single(List<T> items) {
        assertEquals(1, items.size(), items::toString);
        return items.get(0);
    }
}
