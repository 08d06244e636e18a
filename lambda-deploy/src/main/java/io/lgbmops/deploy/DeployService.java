package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * Describe-then-create-or-update: turns one {@link EventParser.Invocation} into at most one
 * change of the live endpoint, with the F1 gate in front and autoscaling and clean-up behind.
 */
final class DeployService {

    /** evaluation.json is a few hundred bytes; anything this large is not one. */
    static final int MAX_REPORT_BYTES = 1 << 20;

    private final SageMakerClient sageMaker;
    private final S3Client s3;
    private final ApplicationAutoScalingClient autoscaling;
    private final DeployConfig config;
    private final DeployTranslator translator;
    private final ObjectMapper mapper;
    private final DecisionLog log;

    DeployService(AwsClients clients, DeployConfig config, DeployTranslator translator, ObjectMapper mapper,
            DecisionLog log) {
        this.sageMaker = clients.sageMaker();
        this.s3 = clients.s3();
        this.autoscaling = clients.autoscaling();
        this.config = config;
        this.translator = translator;
        this.mapper = mapper;
        this.log = log;
    }

    DeployResult handle(EventParser.Invocation invocation, String requestId) {
        if (invocation instanceof EventParser.Invocation.Deploy deploy) {
            return deploy(deploy.request(), requestId);
        }
        if (invocation instanceof EventParser.Invocation.NotApproved notApproved) {
            return new DeployResult(DeployStatus.NOT_APPROVED, config.endpointName(), null, null,
                    notApproved.modelPackageArn(), null, null, null, null, null,
                    "detail.ModelApprovalStatus is \"" + notApproved.approvalStatus()
                            + "\"; only Approved packages are deployed");
        }
        return endpointChanged(((EventParser.Invocation.EndpointChanged) invocation).endpointName());
    }

    // ---------------------------------------------------------------- deploy

    private DeployResult deploy(DeployRequest request, String requestId) {
        String arn = request.modelPackageArn();
        DescribeModelPackageResponse pkg = describe("describe model package " + arn,
                () -> sageMaker.describeModelPackage(translator.describeModelPackage(arn)))
                .orElseThrow(() -> new InvalidEventException(request.source().arnField(),
                        "model package " + arn + " does not exist"));
        if (!config.modelPackageGroupName().equals(pkg.modelPackageGroupName())) {
            throw new InvalidEventException(request.source().arnField(), "model package " + arn
                    + " belongs to group \"" + pkg.modelPackageGroupName() + "\"; this function only deploys group \""
                    + config.modelPackageGroupName() + "\"");
        }
        if (pkg.modelPackageVersion() == null) {
            throw new InvalidEventException(request.source().arnField(), "model package " + arn + " has no version");
        }
        int version = pkg.modelPackageVersion();
        ModelApprovalStatus approval = pkg.modelApprovalStatus();
        if (approval == ModelApprovalStatus.PENDING_MANUAL_APPROVAL) {
            return refusal(DeployStatus.PENDING_APPROVAL, request, version, null,
                    "ModelApprovalStatus is PendingManualApproval; the approval event deploys it");
        }
        if (approval != ModelApprovalStatus.APPROVED) {
            return refusal(DeployStatus.NOT_APPROVED, request, version, null,
                    "ModelApprovalStatus is " + pkg.modelApprovalStatusAsString() + "; only Approved packages are deployed");
        }

        Gate gate = gate(pkg);
        if (!gate.passed()) {
            return refusal(DeployStatus.GATE_FAILED, request, version, gate.f1(), gate.reason());
        }

        DeployTranslator.Plan plan = translator.plan(request, version);
        Optional<DescribeEndpointResponse> endpoint = describeEndpoint(plan.endpointName());
        DeployResult result = endpoint.isEmpty()
                ? create(plan, gate.f1())
                : update(plan, endpoint.get(), gate.f1(), requestId);
        if (result.status() == DeployStatus.SUPERSEDED) {
            return result;
        }
        Set<String> inUse = new HashSet<>();
        inUse.add(plan.endpointConfigName());
        endpoint.ifPresent(e -> inUse.add(e.endpointConfigName()));
        if (result.endpointConfigName() != null) {
            inUse.add(result.endpointConfigName());
        }
        return result.withDeleted(cleanUp(inUse, requestId));
    }

    private DeployResult create(DeployTranslator.Plan plan, double f1) {
        ensureModel(plan);
        ensureEndpointConfig(plan);
        call("create endpoint " + plan.endpointName(), () -> sageMaker.createEndpoint(translator.createEndpoint(plan)));
        String autoscalingState = applyAutoscalingIfInService(plan.endpointName(), plan.endpointConfigName());
        return deployed(DeployStatus.DEPLOYED, plan, f1, autoscalingState,
                "endpoint did not exist; created with model package version " + plan.packageVersion());
    }

    private DeployResult update(DeployTranslator.Plan plan, DescribeEndpointResponse endpoint, double f1,
            String requestId) {
        requireUpdatable(endpoint);
        String live = endpoint.endpointConfigName();
        if (plan.endpointConfigName().equals(live)) {
            applyAutoscaling(plan.endpointName());
            return deployed(DeployStatus.UNCHANGED, plan, f1, "APPLIED",
                    "endpoint already runs endpoint config " + live);
        }
        OptionalInt liveVersion = translator.names().versionOf(live);
        if (liveVersion.isPresent() && liveVersion.getAsInt() == plan.packageVersion()) {
            applyAutoscaling(plan.endpointName());
            return new DeployResult(DeployStatus.UNCHANGED, plan.endpointName(), live, null, plan.modelPackageArn(),
                    plan.packageVersion(), f1, config.f1Threshold(), "APPLIED", null,
                    "model package version " + plan.packageVersion() + " is already live in endpoint config " + live);
        }
        if (liveVersion.isPresent() && liveVersion.getAsInt() > plan.packageVersion()) {
            return new DeployResult(DeployStatus.SUPERSEDED, plan.endpointName(), live, null, plan.modelPackageArn(),
                    plan.packageVersion(), f1, config.f1Threshold(), null, null,
                    "newer model package version " + liveVersion.getAsInt() + " is live; version "
                            + plan.packageVersion() + " is not rolled out over it");
        }

        ensureModel(plan);
        ensureEndpointConfig(plan);
        boolean instanceTypeChanged = liveInstanceType(live).map(t -> !t.equals(plan.instanceType())).orElse(true);
        boolean suspended = false;
        if (instanceTypeChanged && scalableTargetRegistered(plan.endpointName())) {
            // SageMaker rejects an instance-type change on an autoscaled variant. Autoscaling is off
            // from here until the endpoint is InService on the new config (documented window).
            call("deregister scalable target", () -> autoscaling.deregisterScalableTarget(
                    translator.deregisterScalableTarget(plan.endpointName())));
            suspended = true;
            log.info(requestId, "autoscaling_suspended", Map.of(
                    "endpoint_name", plan.endpointName(),
                    "reason", "instance type changes to " + plan.instanceType()));
        }
        try {
            call("update endpoint " + plan.endpointName(),
                    () -> sageMaker.updateEndpoint(translator.updateEndpoint(plan, instanceTypeChanged)));
        } catch (DeployException e) {
            if (suspended) {
                // The update never started, so the old fleet keeps serving: give it its autoscaling back.
                restoreAutoscaling(plan.endpointName(), requestId);
            }
            throw e;
        }
        String autoscalingState = applyAutoscalingIfInService(plan.endpointName(), plan.endpointConfigName());
        if (!suspended && "PENDING".equals(autoscalingState)) {
            autoscalingState = "RETAINED";
        }
        return deployed(DeployStatus.UPDATED, plan, f1, autoscalingState,
                "endpoint moves from " + live + " to model package version " + plan.packageVersion()
                        + " (" + config.strategy() + (instanceTypeChanged ? ", new instance type" : "") + ")");
    }

    private void requireUpdatable(DescribeEndpointResponse endpoint) {
        EndpointStatus status = endpoint.endpointStatus();
        switch (status) {
            case IN_SERVICE -> { }
            case CREATING, UPDATING, SYSTEM_UPDATING, ROLLING_BACK, DELETING -> throw new RetryableDeployException(
                    "endpoint " + endpoint.endpointName() + " is " + endpoint.endpointStatusAsString()
                            + "; nothing was changed, deliver the event again once it is InService", null);
            case FAILED -> throw new DeployFailedException("endpoint " + endpoint.endpointName()
                    + " is Failed (" + endpoint.failureReason() + "); it is not deleted automatically because it may "
                    + "be the only copy of its configuration. Delete it by hand and redeliver the event to recreate it",
                    null);
            default -> throw new DeployFailedException("endpoint " + endpoint.endpointName() + " is "
                    + endpoint.endpointStatusAsString() + "; refusing to change it", null);
        }
    }

    private DeployResult deployed(DeployStatus status, DeployTranslator.Plan plan, double f1, String autoscalingState,
            String reason) {
        return new DeployResult(status, plan.endpointName(), plan.endpointConfigName(), plan.modelName(),
                plan.modelPackageArn(), plan.packageVersion(), f1, config.f1Threshold(), autoscalingState, null,
                reason);
    }

    private DeployResult refusal(DeployStatus status, DeployRequest request, int version, Double f1, String reason) {
        return new DeployResult(status, request.endpointName(), null, null, request.modelPackageArn(), version, f1,
                config.f1Threshold(), null, null, reason);
    }

    // ---------------------------------------------------------------- gate

    private record Gate(boolean passed, Double f1, String reason) { }

    private Gate gate(DescribeModelPackageResponse pkg) {
        String uri = pkg.modelMetrics() == null || pkg.modelMetrics().modelQuality() == null
                || pkg.modelMetrics().modelQuality().statistics() == null
                ? null : pkg.modelMetrics().modelQuality().statistics().s3Uri();
        if (uri == null || uri.isBlank()) {
            return new Gate(false, null, "model package has no ModelMetrics.ModelQuality.Statistics.S3Uri");
        }
        GetObjectRequest get = translator.getEvaluationReport(uri);
        Optional<byte[]> report = describe("read evaluation report " + uri, () -> read(get));
        if (report.isEmpty()) {
            return new Gate(false, null, "evaluation report " + uri + " does not exist");
        }
        if (report.get().length > MAX_REPORT_BYTES) {
            return new Gate(false, null, "evaluation report " + uri + " is larger than " + MAX_REPORT_BYTES + " bytes");
        }
        JsonNode f1Node;
        try {
            f1Node = mapper.readTree(report.get()).path("classification_metrics").path("f1").path("value");
        } catch (IOException e) {
            return new Gate(false, null, "evaluation report " + uri + " is not valid JSON");
        }
        if (!f1Node.isNumber()) {
            return new Gate(false, null, "evaluation report " + uri + " has no numeric classification_metrics.f1.value");
        }
        double f1 = f1Node.doubleValue();
        if (!(f1 >= config.f1Threshold())) {
            return new Gate(false, f1, "classification_metrics.f1.value " + f1 + " is below the threshold "
                    + config.f1Threshold());
        }
        return new Gate(true, f1, null);
    }

    private byte[] read(GetObjectRequest get) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(get)) {
            byte[] bytes = in.readNBytes(MAX_REPORT_BYTES + 1);
            if (bytes.length > MAX_REPORT_BYTES) {
                in.abort();
            }
            return bytes;
        } catch (IOException e) {
            throw new RetryableDeployException("reading s3://" + get.bucket() + "/" + get.key() + " failed: "
                    + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- resources

    private Optional<DescribeEndpointResponse> describeEndpoint(String name) {
        return describe("describe endpoint " + name,
                () -> sageMaker.describeEndpoint(r -> r.endpointName(name)));
    }

    private void ensureModel(DeployTranslator.Plan plan) {
        boolean exists = describe("describe model " + plan.modelName(),
                () -> sageMaker.describeModel(r -> r.modelName(plan.modelName()))).isPresent();
        if (!exists) {
            call("create model " + plan.modelName(), () -> sageMaker.createModel(translator.createModel(plan)));
        }
    }

    private void ensureEndpointConfig(DeployTranslator.Plan plan) {
        boolean exists = describe("describe endpoint config " + plan.endpointConfigName(),
                () -> sageMaker.describeEndpointConfig(r -> r.endpointConfigName(plan.endpointConfigName())))
                .isPresent();
        if (!exists) {
            call("create endpoint config " + plan.endpointConfigName(),
                    () -> sageMaker.createEndpointConfig(translator.createEndpointConfig(plan)));
        }
    }

    private Optional<String> liveInstanceType(String endpointConfigName) {
        return describe("describe endpoint config " + endpointConfigName,
                () -> sageMaker.describeEndpointConfig(r -> r.endpointConfigName(endpointConfigName)))
                .flatMap(c -> variant(c).map(ProductionVariant::instanceTypeAsString));
    }

    private static Optional<ProductionVariant> variant(DescribeEndpointConfigResponse config) {
        return config.productionVariants().stream()
                .filter(v -> DeployTranslator.VARIANT_NAME.equals(v.variantName()))
                .findFirst()
                .or(() -> config.productionVariants().stream().findFirst());
    }

    // ---------------------------------------------------------------- autoscaling

    private DeployResult endpointChanged(String endpointName) {
        Optional<DescribeEndpointResponse> endpoint = describeEndpoint(endpointName);
        if (endpoint.isEmpty()) {
            return DeployResult.of(DeployStatus.WAITING, endpointName, "endpoint does not exist");
        }
        if (endpoint.get().endpointStatus() != EndpointStatus.IN_SERVICE) {
            return DeployResult.of(DeployStatus.WAITING, endpointName, "endpoint is "
                    + endpoint.get().endpointStatusAsString() + "; autoscaling is applied once it is InService");
        }
        applyAutoscaling(endpointName);
        return new DeployResult(DeployStatus.AUTOSCALING_APPLIED, endpointName, endpoint.get().endpointConfigName(),
                null, null, null, null, null, "APPLIED", null, "endpoint is InService");
    }

    /** Registers the variant and its policy when the endpoint already serves the given config. */
    private String applyAutoscalingIfInService(String endpointName, String endpointConfigName) {
        Optional<DescribeEndpointResponse> now = describeEndpoint(endpointName);
        if (now.isPresent() && now.get().endpointStatus() == EndpointStatus.IN_SERVICE
                && endpointConfigName.equals(now.get().endpointConfigName())) {
            applyAutoscaling(endpointName);
            return "APPLIED";
        }
        return "PENDING";
    }

    /** Both calls are upserts, so applying on every InService invocation also heals drift. */
    private void applyAutoscaling(String endpointName) {
        call("register scalable target", () -> autoscaling.registerScalableTarget(
                translator.registerScalableTarget(endpointName)));
        call("put scaling policy", () -> autoscaling.putScalingPolicy(translator.putScalingPolicy(endpointName)));
    }

    private void restoreAutoscaling(String endpointName, String requestId) {
        try {
            applyAutoscaling(endpointName);
            log.info(requestId, "autoscaling_restored", Map.of("endpoint_name", endpointName));
        } catch (DeployException e) {
            log.failure(requestId, e);
        }
    }

    private boolean scalableTargetRegistered(String endpointName) {
        return !call("describe scalable targets", () -> autoscaling.describeScalableTargets(
                translator.describeScalableTarget(endpointName))).scalableTargets().isEmpty();
    }

    // ---------------------------------------------------------------- clean-up

    private record Named(String name, int version, Instant created) { }

    private static final Comparator<Named> NEWEST_FIRST = Comparator.comparingInt(Named::version).reversed()
            .thenComparing(Named::created, Comparator.nullsLast(Comparator.reverseOrder()));

    /**
     * Deletes our endpoint configs and models beyond the newest {@code keepLastVersions}, never one
     * in use: the live config, the one being rolled out, and the models they reference.
     * Best effort: a failure is logged and the next invocation tries again.
     */
    private List<String> cleanUp(Set<String> configsInUse, String requestId) {
        List<String> deleted = new ArrayList<>();
        try {
            ResourceNames names = translator.names();
            List<Named> configs = new ArrayList<>();
            call("list endpoint configs", () -> {
                sageMaker.listEndpointConfigsPaginator(r -> r.nameContains(names.prefix())).endpointConfigs()
                        .forEach(c -> names.versionOf(c.endpointConfigName()).ifPresent(v ->
                                configs.add(new Named(c.endpointConfigName(), v, c.creationTime()))));
                return null;
            });
            configs.sort(NEWEST_FIRST);
            List<Named> keptConfigs = new ArrayList<>();
            List<Named> staleConfigs = new ArrayList<>();
            for (int i = 0; i < configs.size(); i++) {
                Named c = configs.get(i);
                (i < config.keepLastVersions() || configsInUse.contains(c.name()) ? keptConfigs : staleConfigs).add(c);
            }
            List<Named> models = new ArrayList<>();
            call("list models", () -> {
                sageMaker.listModelsPaginator(r -> r.nameContains(names.prefix())).models()
                        .forEach(m -> names.versionOf(m.modelName()).ifPresent(v ->
                                models.add(new Named(m.modelName(), v, m.creationTime()))));
                return null;
            });
            if (staleConfigs.isEmpty() && models.size() <= config.keepLastVersions()) {
                return deleted;
            }
            models.sort(NEWEST_FIRST);
            Set<String> modelsInUse = new HashSet<>();
            for (Named kept : keptConfigs) {
                describe("describe endpoint config " + kept.name(),
                        () -> sageMaker.describeEndpointConfig(r -> r.endpointConfigName(kept.name())))
                        .ifPresent(c -> c.productionVariants().forEach(v -> modelsInUse.add(v.modelName())));
            }
            for (Named stale : staleConfigs) {
                call("delete endpoint config " + stale.name(),
                        () -> sageMaker.deleteEndpointConfig(r -> r.endpointConfigName(stale.name())));
                deleted.add(stale.name());
            }
            for (int i = config.keepLastVersions(); i < models.size(); i++) {
                Named stale = models.get(i);
                if (!modelsInUse.contains(stale.name())) {
                    call("delete model " + stale.name(), () -> sageMaker.deleteModel(r -> r.modelName(stale.name())));
                    deleted.add(stale.name());
                }
            }
        } catch (DeployException e) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("deleted", deleted);
            fields.put("reason", e.getMessage());
            log.info(requestId, "cleanup_incomplete", fields);
        }
        return deleted;
    }

    // ---------------------------------------------------------------- calls

    private static <T> T call(String action, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw AwsErrors.map(action, e);
        }
    }

    /** A describe or read whose "not found" answer is a normal outcome. */
    private static <T> Optional<T> describe(String action, Supplier<T> call) {
        try {
            return Optional.of(call.get());
        } catch (AwsServiceException e) {
            if (AwsErrors.isNotFound(e)) {
                return Optional.empty();
            }
            throw AwsErrors.map(action, e);
        } catch (SdkException e) {
            throw AwsErrors.map(action, e);
        }
    }
}
