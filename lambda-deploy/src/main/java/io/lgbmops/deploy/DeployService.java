package io.lgbmops.deploy;

import static io.lgbmops.deploy.AwsCalls.call;
import static io.lgbmops.deploy.AwsCalls.describe;

import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * Describe-then-create-or-update: turns one {@link EventParser.Invocation} into at most one
 * change of the live endpoint, with the F1 gate ({@link PackageGate}) in front and autoscaling
 * ({@link VariantAutoscaling}) and clean-up ({@link VersionCleanup}) behind; the models and
 * endpoint configs it rolls out are {@link EndpointResources}'.
 */
final class DeployService {

    private final SageMakerClient sageMaker;
    private final DeploySettings config;
    private final DeployTranslator translator;
    private final DecisionLog log;
    private final PackageGate packageGate;
    private final EndpointResources resources;
    private final VariantAutoscaling autoscaling;
    private final VersionCleanup cleanup;

    DeployService(DeployContext context) {
        this.sageMaker = context.sageMaker();
        this.config = context.config();
        this.translator = context.translator();
        this.log = context.log();
        this.packageGate = new PackageGate(context);
        this.resources = new EndpointResources(context);
        this.autoscaling = new VariantAutoscaling(context);
        this.cleanup = new VersionCleanup(context);
    }

    DeployResult handle(EventParser.Invocation invocation, String requestId) {
        if (invocation instanceof EventParser.Invocation.Deploy deploy) {
            return deploy(deploy.request(), requestId);
        }
        if (invocation instanceof EventParser.Invocation.NotApproved notApproved) {
            return DeployResult.decided(DeployStatus.NOT_APPROVED, config.endpointName(),
                    "detail.ModelApprovalStatus is \"" + notApproved.approvalStatus()
                            + "\"; only Approved packages are deployed")
                    .modelPackage(notApproved.modelPackageArn(), null)
                    .build();
        }
        if (invocation instanceof EventParser.Invocation.VariantOperation operation) {
            return variantOperation(operation, requestId);
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
                    "ModelApprovalStatus is " + pkg.modelApprovalStatusAsString()
                            + "; only Approved packages are deployed");
        }

        PackageGate.Verdict gate = packageGate.check(pkg, request);
        if (!gate.passed()) {
            return DeployResult.decided(DeployStatus.GATE_FAILED, request.endpointName(),
                    gate.reason())
                    .modelPackage(request.modelPackageArn(), version)
                    .gate(gate.f1(), gate.threshold())
                    .build();
        }

        DeployTranslator.Plan plan = translator.plan(request, version);
        Optional<DescribeEndpointResponse> endpoint = resources.describeEndpoint(plan.endpointName());
        if (config.mode() != DeploySettings.DeploymentMode.REPLACE && endpoint.isPresent()) {
            return addVariant(plan, pkg, endpoint.get(), gate, requestId);
        }
        DeployResult result = endpoint.isEmpty()
                ? create(plan, pkg, gate)
                : update(plan, pkg, endpoint.get(), gate, requestId);
        if (result.status() == DeployStatus.SUPERSEDED) {
            return result;
        }
        Set<String> inUse = new HashSet<>();
        inUse.add(plan.endpointConfigName());
        endpoint.ifPresent(e -> inUse.add(e.endpointConfigName()));
        if (result.endpointConfigName() != null) {
            inUse.add(result.endpointConfigName());
        }
        return result.withDeleted(cleanup.cleanUp(inUse, requestId));
    }

    private DeployResult create(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg,
            PackageGate.Verdict gate) {
        resources.ensureModel(plan, pkg);
        resources.ensureEndpointConfig(plan);
        call("create endpoint " + plan.endpointName(), () -> sageMaker.createEndpoint(translator.createEndpoint(plan)));
        String autoscalingState = applyAutoscalingIfInService(plan.endpointName(), plan.endpointConfigName());
        return deployed(DeployStatus.DEPLOYED, plan, gate, autoscalingState,
                "endpoint did not exist; created with model package version " + plan.packageVersion());
    }

    private DeployResult update(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg,
            DescribeEndpointResponse endpoint, PackageGate.Verdict gate, String requestId) {
        requireUpdatable(endpoint);
        String live = endpoint.endpointConfigName();
        if (plan.endpointConfigName().equals(live)) {
            autoscaling.apply(plan.endpointName());
            return deployed(DeployStatus.UNCHANGED, plan, gate, "APPLIED",
                    "endpoint already runs endpoint config " + live);
        }
        OptionalInt liveVersion = translator.names().versionOf(live);
        if (liveVersion.isPresent() && liveVersion.getAsInt() == plan.packageVersion()) {
            autoscaling.apply(plan.endpointName());
            return DeployResult.decided(DeployStatus.UNCHANGED, plan.endpointName(),
                    "model package version " + plan.packageVersion() + " is already live in endpoint config " + live)
                    .endpointConfig(live, null)
                    .modelPackage(plan.modelPackageArn(), plan.packageVersion())
                    .gate(gate.f1(), gate.threshold())
                    .autoscaling("APPLIED")
                    .build();
        }
        if (liveVersion.isPresent() && liveVersion.getAsInt() > plan.packageVersion()) {
            return DeployResult.decided(DeployStatus.SUPERSEDED, plan.endpointName(),
                    "newer model package version " + liveVersion.getAsInt() + " is live; version "
                            + plan.packageVersion() + " is not rolled out over it")
                    .endpointConfig(live, null)
                    .modelPackage(plan.modelPackageArn(), plan.packageVersion())
                    .gate(gate.f1(), gate.threshold())
                    .build();
        }

        resources.ensureModel(plan, pkg);
        resources.ensureEndpointConfig(plan);
        boolean instanceTypeChanged = resources.liveInstanceType(live).map(t -> !t.equals(plan.instanceType()))
                .orElse(true);
        boolean suspended = false;
        if (instanceTypeChanged && autoscaling.isRegistered(plan.endpointName())) {
            // SageMaker rejects an instance-type change on an autoscaled variant. Autoscaling is off
            // from here until the endpoint is InService on the new config (documented window).
            autoscaling.deregister(plan.endpointName());
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
                autoscaling.restore(plan.endpointName(), requestId);
            }
            throw e;
        }
        String autoscalingState = applyAutoscalingIfInService(plan.endpointName(), plan.endpointConfigName());
        if (!suspended && "PENDING".equals(autoscalingState)) {
            autoscalingState = "RETAINED";
        }
        return deployed(DeployStatus.UPDATED, plan, gate, autoscalingState,
                "endpoint moves from " + live + " to model package version " + plan.packageVersion()
                        + " (" + config.strategy() + (instanceTypeChanged ? ", new instance type" : "") + ")");
    }

    private void requireUpdatable(DescribeEndpointResponse endpoint) {
        EndpointStatus status = endpoint.endpointStatus();
        if (status == null) {
            // Not an answer SageMaker documents; treat it like a transitional state rather than guess.
            throw new RetryableDeployException("DescribeEndpoint answered for endpoint " + endpoint.endpointName()
                    + " without an EndpointStatus; nothing was changed, deliver the event again", null);
        }
        switch (status) {
            case IN_SERVICE -> { }
            case CREATING, UPDATING, SYSTEM_UPDATING, ROLLING_BACK, DELETING -> throw new RetryableDeployException(
                    "endpoint " + endpoint.endpointName() + " is " + endpoint.endpointStatusAsString()
                            + "; nothing was changed, deliver the event again once it is InService", null);
            case FAILED -> throw new DeployFailedException("endpoint " + endpoint.endpointName()
                    + " is Failed (" + endpoint.failureReason() + "); it is not deleted automatically because it may "
                    + "be the only copy of its configuration. Delete it by hand and redeliver the event to recreate it",
                    null);
            case OUT_OF_SERVICE, UPDATE_ROLLBACK_FAILED -> throw new DeployFailedException("endpoint "
                    + endpoint.endpointName() + " is " + endpoint.endpointStatusAsString() + "; refusing to change it",
                    null);
            default -> throw new DeployFailedException("endpoint " + endpoint.endpointName() + " is in status \""
                    + endpoint.endpointStatusAsString()
                            + "\", which this function does not know; refusing to change it",
                    null);
        }
    }

    private DeployResult deployed(DeployStatus status, DeployTranslator.Plan plan, PackageGate.Verdict gate,
            String autoscalingState,
            String reason) {
        return DeployResult.decided(status, plan.endpointName(),
                reason)
                .endpointConfig(plan.endpointConfigName(), plan.modelName())
                .modelPackage(plan.modelPackageArn(), plan.packageVersion())
                .gate(gate.f1(), gate.threshold())
                .autoscaling(autoscalingState)
                .build();
    }

    private DeployResult refusal(DeployStatus status, DeployRequest request, int version, Double f1, String reason) {
        return DeployResult.decided(status, request.endpointName(),
                reason)
                .modelPackage(request.modelPackageArn(), version)
                .gate(f1, null)
                .build();
    }


    /** The live endpoint config seen as champion plus at most one newcomer (challenger or shadow). */
    private record Live(String configName, DescribeEndpointConfigResponse config, ProductionVariant champion,
            Optional<ProductionVariant> newcomer, boolean newcomerIsShadow) {

        int championVersion(ResourceNames names) {
            return names.versionOf(champion.modelName()).orElse(0);
        }

        OptionalInt newcomerVersion(ResourceNames names) {
            return newcomer.map(v -> names.versionOf(v.modelName())).orElse(OptionalInt.empty());
        }

        String newcomerRole() {
            return newcomerIsShadow ? "shadow" : "challenger";
        }
    }

    private Live live(DescribeEndpointResponse endpoint) {
        String name = endpoint.endpointConfigName();
        DescribeEndpointConfigResponse live = describe("describe endpoint config " + name,
                () -> sageMaker.describeEndpointConfig(r -> r.endpointConfigName(name)))
                .orElseThrow(() -> new DeployFailedException("endpoint " + endpoint.endpointName()
                        + " runs endpoint config " + name + ", which does not exist any more; refusing to change it",
                        null));
        ProductionVariant champion = live.productionVariants().stream()
                .filter(v -> Variants.CHAMPION.equals(v.variantName())).findFirst()
                .orElseThrow(() -> new DeployFailedException("endpoint config " + name + " has no production variant "
                        + Variants.CHAMPION + " (the champion); refusing to change it", null));
        Optional<ProductionVariant> challenger = live.productionVariants().stream()
                .filter(v -> Variants.CHALLENGER.equals(v.variantName())).findFirst();
        Optional<ProductionVariant> shadow = live.hasShadowProductionVariants()
                ? live.shadowProductionVariants().stream().findFirst() : Optional.empty();
        return new Live(name, live, champion, challenger.or(() -> shadow), challenger.isEmpty() && shadow.isPresent());
    }

    /**
     * A/B or shadow mode with a live endpoint: the package joins beside the champion (replacing an
     * older challenger or shadow). Its own version already live, or a newer one, changes nothing.
     */
    private DeployResult addVariant(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg,
            DescribeEndpointResponse endpoint, PackageGate.Verdict gate, String requestId) {
        requireUpdatable(endpoint);
        Live live = live(endpoint);
        ResourceNames names = translator.names();
        int version = plan.packageVersion();
        int championVersion = live.championVersion(names);
        OptionalInt newcomerVersion = live.newcomerVersion(names);
        String newcomerVariant = config.mode() == DeploySettings.DeploymentMode.AB
                ? Variants.CHALLENGER : Variants.SHADOW;
        if (version == championVersion
                || (newcomerVersion.isPresent() && newcomerVersion.getAsInt() == version
                        && newcomerVariant.equals(live.newcomer().get().variantName()))) {
            autoscaling.apply(plan.endpointName(), EndpointResources.variantNames(live.config()));
            return DeployResult.decided(DeployStatus.UNCHANGED, plan.endpointName(),
                    "model package version " + version + " is already live in endpoint config "
                            + live.configName()
                            + (version == championVersion ? " as the champion" : " as the " + live.newcomerRole()))
                    .endpointConfig(live.configName(), null)
                    .modelPackage(plan.modelPackageArn(), version)
                    .gate(gate.f1(), gate.threshold())
                    .autoscaling("APPLIED")
                    .traffic(shares(live.config()))
                    .build();
        }
        int newest = Math.max(championVersion, newcomerVersion.orElse(0));
        if (newest > version) {
            return DeployResult.decided(DeployStatus.SUPERSEDED, plan.endpointName(),
                    "newer model package version " + newest + " is live; version " + version + " does not join it")
                    .endpointConfig(live.configName(), null)
                    .modelPackage(plan.modelPackageArn(), version)
                    .gate(gate.f1(), gate.threshold())
                    .traffic(shares(live.config()))
                    .build();
        }
        resources.ensureModel(plan, pkg);
        DeployTranslator.VariantPlan target = translator.variantPlan(plan, live.champion());
        resources.ensureVariantConfig(target);
        String autoscalingState = moveVariants(plan.endpointName(), live.config(), target.endpointConfigName(),
                target.all(), requestId);
        DeployResult result = DeployResult.decided(DeployStatus.VARIANT_ADDED, plan.endpointName(),
                "model package version " + version + " joins champion version " + championVersion + " as the "
                        + (config.mode() == DeploySettings.DeploymentMode.AB
                                ? "challenger (" + config.challengerWeightPercent() + "% of requests)"
                                : "shadow (a copy of " + config.shadowSamplingPercent() + "% of requests)")
                        + live.newcomerVersion(names).stream().mapToObj(v -> "; version " + v + " leaves")
                                .findFirst().orElse(""))
                .endpointConfig(target.endpointConfigName(), plan.modelName())
                .modelPackage(plan.modelPackageArn(), version)
                .gate(gate.f1(), gate.threshold())
                .autoscaling(autoscalingState)
                .traffic(shares(target))
                .build();
        return result.withDeleted(cleanup.cleanUp(Set.of(live.configName(), target.endpointConfigName()), requestId));
    }

    /**
     * Promotion makes the challenger or shadow the sole production variant, after the same checks a
     * deployment passes (package still Approved, F1 gate); rollback returns to the champion alone.
     * Both name the version they mean, so a duplicate or late delivery finds nothing left to do.
     */
    private DeployResult variantOperation(EventParser.Invocation.VariantOperation operation, String requestId) {
        String endpointName = config.endpointName();
        boolean promote = operation.operation() == EventParser.Operation.PROMOTE;
        String verb = promote ? "promote" : "roll back";
        Integer wanted = operation.modelPackageVersion();
        Optional<DescribeEndpointResponse> endpoint = resources.describeEndpoint(endpointName);
        if (endpoint.isEmpty()) {
            return DeployResult.of(DeployStatus.NO_VARIANT, endpointName, "endpoint does not exist; nothing to " + verb);
        }
        requireUpdatable(endpoint.get());
        Live live = live(endpoint.get());
        ResourceNames names = translator.names();
        int championVersion = live.championVersion(names);
        if (live.newcomer().isEmpty()) {
            boolean done = promote && wanted != null && wanted == championVersion;
            return DeployResult.decided(done ? DeployStatus.UNCHANGED : DeployStatus.NO_VARIANT, endpointName,
                    done ? "model package version " + wanted
                            + " already serves all traffic" : "endpoint config " + live.configName()
                            + " has no challenger or shadow"
                            + (wanted != null && wanted == championVersion
                                    ? "; version " + wanted + " is the champion and is not rolled back" : "")
                            + "; nothing to " + verb)
                    .endpointConfig(live.configName(), live.champion().modelName())
                    .modelPackage(null, championVersion)
                    .traffic(shares(live.config()))
                    .build();
        }
        ProductionVariant newcomer = live.newcomer().get();
        OptionalInt newcomerVersion = live.newcomerVersion(names);
        if (wanted != null && (newcomerVersion.isEmpty() || newcomerVersion.getAsInt() != wanted)) {
            return DeployResult.decided(DeployStatus.NO_VARIANT, endpointName,
                    "the " + live.newcomerRole() + " is model package version "
                            + (newcomerVersion.isPresent() ? newcomerVersion.getAsInt() : "unknown") + ", not "
                            + wanted + "; nothing to " + verb)
                    .endpointConfig(live.configName(), null)
                    .modelPackage(null, wanted)
                    .traffic(shares(live.config()))
                    .build();
        }
        DeployTranslator.Plan target;
        PackageGate.Verdict gate = null;
        if (promote) {
            DescribeModelResponse model = describe("describe model " + newcomer.modelName(),
                    () -> sageMaker.describeModel(r -> r.modelName(newcomer.modelName())))
                    .orElseThrow(() -> new DeployFailedException("the " + live.newcomerRole() + "'s model "
                            + newcomer.modelName() + " does not exist; refusing to promote it", null));
            String arn = model.hasContainers() && !model.containers().isEmpty()
                    ? model.containers().get(0).modelPackageName()
                    : model.primaryContainer() == null ? null : model.primaryContainer().modelPackageName();
            if (arn == null) {
                throw new DeployFailedException("model " + newcomer.modelName() + " names no model package; "
                        + "refusing to promote it without the checks a deployment passes", null);
            }
            DescribeModelPackageResponse pkg = describe("describe model package " + arn,
                    () -> sageMaker.describeModelPackage(translator.describeModelPackage(arn)))
                    .orElseThrow(() -> new DeployFailedException("model package " + arn + " of the "
                            + live.newcomerRole() + " does not exist any more; refusing to promote it", null));
            int version = newcomerVersion.orElse(pkg.modelPackageVersion() == null ? 0 : pkg.modelPackageVersion());
            if (pkg.modelApprovalStatus() != ModelApprovalStatus.APPROVED) {
                return DeployResult.decided(DeployStatus.NOT_APPROVED, endpointName,
                        "ModelApprovalStatus is " + pkg.modelApprovalStatusAsString()
                                + "; only Approved packages are promoted")
                        .endpointConfig(live.configName(), null)
                        .modelPackage(arn, version)
                        .traffic(shares(live.config()))
                        .build();
            }
            DeployRequest request = new DeployRequest(DeployRequest.Source.MODEL_PACKAGE_EVENT, arn, endpointName,
                    newcomer.instanceTypeAsString(), newcomer.initialInstanceCount(), null);
            gate = packageGate.check(pkg, request);
            if (!gate.passed()) {
                return DeployResult.decided(DeployStatus.GATE_FAILED, endpointName,
                        gate.reason())
                        .endpointConfig(live.configName(), null)
                        .modelPackage(arn, version)
                        .gate(gate.f1(), gate.threshold())
                        .traffic(shares(live.config()))
                        .build();
            }
            target = translator.soleVariantPlan(endpointName, arn, version, newcomer.modelName(),
                    newcomer.instanceTypeAsString(), newcomer.initialInstanceCount());
        } else {
            ProductionVariant champion = live.champion();
            target = translator.soleVariantPlan(endpointName, null, championVersion, champion.modelName(),
                    champion.instanceTypeAsString(), champion.initialInstanceCount());
        }
        resources.ensureEndpointConfig(target);
        String autoscalingState = moveVariants(endpointName, live.config(), target.endpointConfigName(),
                List.of(new DeployTranslator.Variant(Variants.CHAMPION, target.modelName(),
                        target.instanceType(), target.initialInstanceCount(), 1.0f)), requestId);
        String leaving = promote ? "champion version " + championVersion + " leaves"
                : live.newcomerRole() + " version "
                        + (newcomerVersion.isPresent() ? newcomerVersion.getAsInt() : "unknown")
                        + " (" + newcomer.modelName() + ") is removed";
        DeployResult result = DeployResult.decided(promote ? DeployStatus.PROMOTED : DeployStatus.ROLLED_BACK,
                endpointName,
                "model package version " + target.packageVersion() + " serves all traffic; " + leaving
                        + (operation.reason() == null ? "" : " (requested: " + operation.reason() + ")"))
                .endpointConfig(target.endpointConfigName(), target.modelName())
                .modelPackage(target.modelPackageArn(), target.packageVersion())
                .gate(gate == null ? null : gate.f1(), gate == null ? null : gate.threshold())
                .autoscaling(autoscalingState)
                .traffic(List.of(new DeployResult.Share(Variants.CHAMPION, target.modelName(),
                        target.packageVersion(), 100, false)))
                .build();
        return result.withDeleted(cleanup.cleanUp(Set.of(live.configName(), target.endpointConfigName()), requestId));
    }

    /**
     * Updates the endpoint to {@code targetConfig}. SageMaker refuses an update that removes an
     * autoscaled variant or changes its instance type, so those variants are deregistered first
     * (restored if the update does not start); every variant of the target is (re)registered
     * once the endpoint is InService on it.
     */
    private String moveVariants(String endpointName, DescribeEndpointConfigResponse live, String targetConfig,
            List<DeployTranslator.Variant> target, String requestId) {
        Map<String, String> liveTypes = new LinkedHashMap<>();
        EndpointResources.allVariants(live).forEach(v -> liveTypes.put(v.variantName(), v.instanceTypeAsString()));
        Map<String, String> targetTypes = new LinkedHashMap<>();
        target.forEach(v -> targetTypes.put(v.name(), v.instanceType()));
        boolean instanceTypeChanged = false;
        List<String> suspended = new ArrayList<>();
        for (Map.Entry<String, String> variant : liveTypes.entrySet()) {
            String next = targetTypes.get(variant.getKey());
            boolean typeChanges = next != null && !next.equals(variant.getValue());
            instanceTypeChanged |= typeChanges;
            if ((next == null || typeChanges) && autoscaling.isRegistered(endpointName, variant.getKey())) {
                autoscaling.deregister(endpointName, variant.getKey());
                suspended.add(variant.getKey());
                log.info(requestId, "autoscaling_suspended", Map.of(
                        "endpoint_name", endpointName,
                        "variant_name", variant.getKey(),
                        "reason", next == null ? "the variant is removed" : "instance type changes to " + next));
            }
        }
        boolean typeChanged = instanceTypeChanged;
        try {
            call("update endpoint " + endpointName, () -> sageMaker.updateEndpoint(
                    translator.updateEndpointVariants(endpointName, targetConfig, typeChanged)));
        } catch (DeployException e) {
            for (String variant : suspended) {
                try {
                    autoscaling.apply(endpointName, List.of(variant));
                    log.info(requestId, "autoscaling_restored", Map.of("endpoint_name", endpointName,
                            "variant_name", variant));
                } catch (DeployException restore) {
                    log.failure(requestId, restore);
                }
            }
            throw e;
        }
        Optional<DescribeEndpointResponse> now = resources.describeEndpoint(endpointName);
        if (now.isPresent() && now.get().endpointStatus() == EndpointStatus.IN_SERVICE
                && targetConfig.equals(now.get().endpointConfigName())) {
            autoscaling.apply(endpointName, target.stream().map(DeployTranslator.Variant::name).toList());
            return "APPLIED";
        }
        return "PENDING";
    }

    /** Who answers what share of the requests, and who gets a copy of what share. */
    private List<DeployResult.Share> shares(DescribeEndpointConfigResponse config) {
        List<DeployTranslator.Variant> production = config.productionVariants().stream().map(DeployService::variant)
                .toList();
        Optional<DeployTranslator.Variant> shadow = config.hasShadowProductionVariants()
                ? config.shadowProductionVariants().stream().findFirst().map(DeployService::variant)
                : Optional.empty();
        return shares(production, shadow);
    }

    private List<DeployResult.Share> shares(DeployTranslator.VariantPlan plan) {
        return shares(plan.production(), plan.shadow());
    }

    private List<DeployResult.Share> shares(List<DeployTranslator.Variant> production,
            Optional<DeployTranslator.Variant> shadow) {
        double total = production.stream().mapToDouble(DeployTranslator.Variant::weight).sum();
        List<DeployResult.Share> shares = new ArrayList<>();
        for (DeployTranslator.Variant v : production) {
            shares.add(new DeployResult.Share(v.name(), v.modelName(), version(v.modelName()),
                    (int) Math.round(total > 0 ? 100.0 * v.weight() / total : 0), false));
        }
        shadow.ifPresent(v -> {
            double source = production.isEmpty() ? 0 : production.get(0).weight();
            shares.add(new DeployResult.Share(v.name(), v.modelName(), version(v.modelName()),
                    (int) Math.round(source > 0 ? Math.min(100.0, 100.0 * v.weight() / source) : 0), true));
        });
        return shares;
    }

    private Integer version(String modelName) {
        OptionalInt v = translator.names().versionOf(modelName);
        return v.isPresent() ? v.getAsInt() : null;
    }

    private static DeployTranslator.Variant variant(ProductionVariant v) {
        return new DeployTranslator.Variant(v.variantName(), v.modelName(), v.instanceTypeAsString(),
                v.initialInstanceCount() == null ? 0 : v.initialInstanceCount(),
                v.initialVariantWeight() == null ? 1.0f : v.initialVariantWeight());
    }

    // ---------------------------------------------------------------- autoscaling

    private DeployResult endpointChanged(String endpointName) {
        Optional<DescribeEndpointResponse> endpoint = resources.describeEndpoint(endpointName);
        if (endpoint.isEmpty()) {
            return DeployResult.of(DeployStatus.WAITING, endpointName, "endpoint does not exist");
        }
        if (endpoint.get().endpointStatus() != EndpointStatus.IN_SERVICE) {
            String status = endpoint.get().endpointStatus() == null
                    ? "reported without an EndpointStatus" : "is " + endpoint.get().endpointStatusAsString();
            return DeployResult.of(DeployStatus.WAITING, endpointName, "endpoint " + status
                    + "; autoscaling is applied once it is InService");
        }
        if (config.mode() == DeploySettings.DeploymentMode.REPLACE) {
            autoscaling.apply(endpointName);
            return DeployResult.decided(DeployStatus.AUTOSCALING_APPLIED, endpointName,
                    "endpoint is InService")
                    .endpointConfig(endpoint.get().endpointConfigName(), null)
                    .autoscaling("APPLIED")
                    .build();
        }
        // A/B and shadow: every variant of the live config, whichever mode wrote it.
        Live live = live(endpoint.get());
        autoscaling.apply(endpointName, EndpointResources.variantNames(live.config()));
        return DeployResult.decided(DeployStatus.AUTOSCALING_APPLIED, endpointName,
                "endpoint is InService")
                .endpointConfig(live.configName(), null)
                .autoscaling("APPLIED")
                .traffic(shares(live.config()))
                .build();
    }

    /** Registers the variant and its policy when the endpoint already serves the given config. */
    private String applyAutoscalingIfInService(String endpointName, String endpointConfigName) {
        Optional<DescribeEndpointResponse> now = resources.describeEndpoint(endpointName);
        if (now.isPresent() && now.get().endpointStatus() == EndpointStatus.IN_SERVICE
                && endpointConfigName.equals(now.get().endpointConfigName())) {
            autoscaling.apply(endpointName);
            return "APPLIED";
        }
        return "PENDING";
    }
}
