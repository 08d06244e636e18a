package io.lgbmops.deploy;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.F1Gate;
import io.lgbmops.pipeline.deploy.Variants;
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
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.CreateEndpointConfigRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageContainerDefinition;
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
    private final DeploySettings config;
    private final DeployTranslator translator;
    /** Python's json writes NaN and Infinity unquoted; read them so the gate can name them. */
    private final ObjectReader reportReader;
    private final DecisionLog log;

    DeployService(AwsClients clients, DeploySettings config, DeployTranslator translator, ObjectMapper mapper,
            DecisionLog log) {
        this.sageMaker = clients.sageMaker();
        this.s3 = clients.s3();
        this.autoscaling = clients.autoscaling();
        this.config = config;
        this.translator = translator;
        this.reportReader = mapper.reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);
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
                    "ModelApprovalStatus is " + pkg.modelApprovalStatusAsString() + "; only Approved packages are deployed");
        }

        Gate gate = gate(pkg, request);
        if (!gate.passed()) {
            return new DeployResult(DeployStatus.GATE_FAILED, request.endpointName(), null, null,
                    request.modelPackageArn(), version, gate.f1(), gate.threshold(), null, null, gate.reason());
        }

        DeployTranslator.Plan plan = translator.plan(request, version);
        Optional<DescribeEndpointResponse> endpoint = describeEndpoint(plan.endpointName());
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
        return result.withDeleted(cleanUp(inUse, requestId));
    }

    private DeployResult create(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg, Gate gate) {
        ensureModel(plan, pkg);
        ensureEndpointConfig(plan);
        call("create endpoint " + plan.endpointName(), () -> sageMaker.createEndpoint(translator.createEndpoint(plan)));
        String autoscalingState = applyAutoscalingIfInService(plan.endpointName(), plan.endpointConfigName());
        return deployed(DeployStatus.DEPLOYED, plan, gate, autoscalingState,
                "endpoint did not exist; created with model package version " + plan.packageVersion());
    }

    private DeployResult update(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg,
            DescribeEndpointResponse endpoint, Gate gate, String requestId) {
        requireUpdatable(endpoint);
        String live = endpoint.endpointConfigName();
        if (plan.endpointConfigName().equals(live)) {
            applyAutoscaling(plan.endpointName());
            return deployed(DeployStatus.UNCHANGED, plan, gate, "APPLIED",
                    "endpoint already runs endpoint config " + live);
        }
        OptionalInt liveVersion = translator.names().versionOf(live);
        if (liveVersion.isPresent() && liveVersion.getAsInt() == plan.packageVersion()) {
            applyAutoscaling(plan.endpointName());
            return new DeployResult(DeployStatus.UNCHANGED, plan.endpointName(), live, null, plan.modelPackageArn(),
                    plan.packageVersion(), gate.f1(), gate.threshold(), "APPLIED", null,
                    "model package version " + plan.packageVersion() + " is already live in endpoint config " + live);
        }
        if (liveVersion.isPresent() && liveVersion.getAsInt() > plan.packageVersion()) {
            return new DeployResult(DeployStatus.SUPERSEDED, plan.endpointName(), live, null, plan.modelPackageArn(),
                    plan.packageVersion(), gate.f1(), gate.threshold(), null, null,
                    "newer model package version " + liveVersion.getAsInt() + " is live; version "
                            + plan.packageVersion() + " is not rolled out over it");
        }

        ensureModel(plan, pkg);
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
                    + endpoint.endpointStatusAsString() + "\", which this function does not know; refusing to change it",
                    null);
        }
    }

    private DeployResult deployed(DeployStatus status, DeployTranslator.Plan plan, Gate gate, String autoscalingState,
            String reason) {
        return new DeployResult(status, plan.endpointName(), plan.endpointConfigName(), plan.modelName(),
                plan.modelPackageArn(), plan.packageVersion(), gate.f1(), gate.threshold(), autoscalingState, null,
                reason);
    }

    private DeployResult refusal(DeployStatus status, DeployRequest request, int version, Double f1, String reason) {
        return new DeployResult(status, request.endpointName(), null, null, request.modelPackageArn(), version, f1,
                null, null, null, reason);
    }

    // ---------------------------------------------------------------- gate

    /** The outcome of the gate; {@code threshold} is the one applied (see {@link #threshold}). */
    private record Gate(boolean passed, Double f1, Double threshold, String reason) { }

    /** The threshold a package must reach, and where each candidate came from (for the reason). */
    private record Threshold(double value, String explanation) { }

    private Gate gate(DescribeModelPackageResponse pkg, DeployRequest request) {
        Threshold threshold;
        try {
            threshold = threshold(pkg, request);
        } catch (IllegalArgumentException e) {
            return new Gate(false, null, null, e.getMessage());
        }
        String uri = pkg.modelMetrics() == null || pkg.modelMetrics().modelQuality() == null
                || pkg.modelMetrics().modelQuality().statistics() == null
                ? null : pkg.modelMetrics().modelQuality().statistics().s3Uri();
        if (uri == null || uri.isBlank()) {
            return refused(threshold, "model package has no ModelMetrics.ModelQuality.Statistics.S3Uri");
        }
        GetObjectRequest get = translator.getEvaluationReport(uri);
        Optional<byte[]> report = describe("read evaluation report " + uri, () -> read(get));
        if (report.isEmpty()) {
            return refused(threshold, "evaluation report " + uri + " does not exist");
        }
        if (report.get().length > MAX_REPORT_BYTES) {
            return refused(threshold, "evaluation report " + uri + " is larger than " + MAX_REPORT_BYTES + " bytes");
        }
        JsonNode f1Node;
        try {
            f1Node = reportReader.readTree(report.get());
            for (String key : F1Gate.F1_JSON_KEYS) {
                f1Node = f1Node.path(key);
            }
        } catch (IOException e) {
            return refused(threshold, "evaluation report " + uri + " is not valid JSON");
        }
        if (!f1Node.isNumber()) {
            return refused(threshold, "evaluation report " + uri + " has no numeric " + F1Gate.F1_JSON_PATH + ", got "
                    + (f1Node.isMissingNode() ? "nothing" : f1Node.toString()));
        }
        double f1 = f1Node.doubleValue();
        // An F1 outside [0, 1] (5.0, 1e400 read as Infinity, NaN, -1) is a broken report, not a good model.
        if (!Double.isFinite(f1) || f1 < 0 || f1 > 1) {
            return refused(threshold, "evaluation report " + uri + " has " + F1Gate.F1_JSON_PATH + " "
                    + f1Node.asText() + ", which is not an F1 score (a finite number in [0, 1])");
        }
        if (f1 < threshold.value()) {
            return new Gate(false, f1, threshold.value(), F1Gate.F1_JSON_PATH + " " + f1
                    + " is below the threshold " + threshold.value() + " (" + threshold.explanation() + ")");
        }
        return new Gate(true, f1, threshold.value(), null);
    }

    private static Gate refused(Threshold threshold, String reason) {
        return new Gate(false, null, threshold.value(), reason);
    }

    /**
     * The highest of: the function's floor ({@code MIN_F1_THRESHOLD}), the threshold the pipeline
     * step passed, and the threshold recorded on the package when it was registered. An approval
     * event carries none, so the package's record applies; nothing can go below the floor.
     *
     * @throws IllegalArgumentException when the package records a threshold that is not one
     */
    private Threshold threshold(DescribeModelPackageResponse pkg, DeployRequest request) {
        double value = config.minF1Threshold();
        List<String> candidates = new ArrayList<>();
        candidates.add("MIN_F1_THRESHOLD " + value);
        if (request.f1Threshold() != null) {
            value = Math.max(value, request.f1Threshold());
            candidates.add(DeployFunction.F1_THRESHOLD + " " + request.f1Threshold());
        }
        String recorded = pkg.hasCustomerMetadataProperties()
                ? pkg.customerMetadataProperties().get(DeployFunction.F1_THRESHOLD_METADATA) : null;
        if (recorded != null) {
            String field = "CustomerMetadataProperties." + DeployFunction.F1_THRESHOLD_METADATA;
            double parsed;
            try {
                parsed = Double.parseDouble(recorded.trim());
            } catch (NumberFormatException e) {
                parsed = Double.NaN;
            }
            if (!F1Gate.isThreshold(parsed)) {
                throw new IllegalArgumentException("model package " + pkg.modelPackageArn() + " records " + field
                        + " \"" + recorded + "\", which is not a threshold (a number in (0, 1])");
            }
            value = Math.max(value, parsed);
            candidates.add(field + " " + parsed);
        }
        return new Threshold(value, "the highest of " + String.join(", ", candidates));
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

    /**
     * Creates the model, or reuses one of the expected name only if it serves exactly this package
     * with our role: in an account shared by stages, anything could have created a model of that name.
     */
    private void ensureModel(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg) {
        Optional<DescribeModelResponse> existing = describe("describe model " + plan.modelName(),
                () -> sageMaker.describeModel(r -> r.modelName(plan.modelName())));
        if (existing.isEmpty()) {
            call("create model " + plan.modelName(), () -> sageMaker.createModel(translator.createModel(plan)));
            return;
        }
        modelMismatch(existing.get(), plan, pkg).ifPresent(problem -> {
            throw notReused("model " + plan.modelName(), problem);
        });
    }

    private Optional<String> modelMismatch(DescribeModelResponse model, DeployTranslator.Plan plan,
            DescribeModelPackageResponse pkg) {
        if (!config.executionRoleArn().equals(model.executionRoleArn())) {
            return Optional.of("runs with execution role " + model.executionRoleArn() + ", not "
                    + config.executionRoleArn());
        }
        List<ContainerDefinition> containers = model.hasContainers() && !model.containers().isEmpty()
                ? model.containers()
                : model.primaryContainer() == null ? List.of() : List.of(model.primaryContainer());
        if (containers.size() != 1) {
            return Optional.of("has " + containers.size() + " containers, not the package's one");
        }
        ContainerDefinition container = containers.get(0);
        String packageName = container.modelPackageName();
        if (packageName != null && !packageName.equals(plan.modelPackageArn())) {
            return Optional.of("serves model package " + packageName + ", not " + plan.modelPackageArn());
        }
        List<ModelPackageContainerDefinition> packaged = pkg.inferenceSpecification() == null
                || !pkg.inferenceSpecification().hasContainers()
                ? List.of() : pkg.inferenceSpecification().containers();
        String image = packaged.size() == 1 ? packaged.get(0).image() : null;
        String modelData = packaged.size() == 1 ? packaged.get(0).modelDataUrl() : null;
        if (container.image() != null && !container.image().equals(image)) {
            return Optional.of("runs image " + container.image() + ", not the package's " + image);
        }
        if (container.modelDataUrl() != null && !container.modelDataUrl().equals(modelData)) {
            return Optional.of("loads model data " + container.modelDataUrl() + ", not the package's " + modelData);
        }
        if (packageName == null && (container.image() == null || container.modelDataUrl() == null)) {
            return Optional.of("names neither the model package nor its image and model data");
        }
        return Optional.empty();
    }

    /** Creates the endpoint config, or reuses one of the expected name only if it is exactly the planned one. */
    private void ensureEndpointConfig(DeployTranslator.Plan plan) {
        existingOrCreated(translator.createEndpointConfig(plan))
                .flatMap(existing -> endpointConfigMismatch(existing, plan))
                .ifPresent(problem -> {
                    throw notReused("endpoint config " + plan.endpointConfigName(), problem);
                });
    }

    /** The endpoint config of the planned name as it exists, or empty once this call created it. */
    private Optional<DescribeEndpointConfigResponse> existingOrCreated(CreateEndpointConfigRequest planned) {
        String name = planned.endpointConfigName();
        Optional<DescribeEndpointConfigResponse> existing = describe("describe endpoint config " + name,
                () -> sageMaker.describeEndpointConfig(r -> r.endpointConfigName(name)));
        if (existing.isEmpty()) {
            call("create endpoint config " + name, () -> sageMaker.createEndpointConfig(planned));
        }
        return existing;
    }

    private Optional<String> endpointConfigMismatch(DescribeEndpointConfigResponse existing,
            DeployTranslator.Plan plan) {
        List<ProductionVariant> variants = existing.productionVariants();
        if (variants.size() != 1) {
            return Optional.of("has " + variants.size() + " production variants, not one");
        }
        ProductionVariant variant = variants.get(0);
        if (!Variants.CHAMPION.equals(variant.variantName())) {
            return Optional.of("has variant " + variant.variantName() + ", not " + Variants.CHAMPION);
        }
        if (!plan.modelName().equals(variant.modelName())) {
            return Optional.of("points its variant at model " + variant.modelName() + ", not " + plan.modelName());
        }
        if (!plan.instanceType().equals(variant.instanceTypeAsString())) {
            return Optional.of("uses instance type " + variant.instanceTypeAsString() + ", not " + plan.instanceType());
        }
        if (variant.initialInstanceCount() != null && variant.initialInstanceCount() != plan.initialInstanceCount()) {
            return Optional.of("starts " + variant.initialInstanceCount() + " instances, not "
                    + plan.initialInstanceCount());
        }
        String kmsKey = translator.kmsKeyFor(plan.instanceType()).orElse(null);
        String existingKey = existing.kmsKeyId() == null || existing.kmsKeyId().isBlank() ? null : existing.kmsKeyId();
        if (!java.util.Objects.equals(kmsKey, existingKey)) {
            return Optional.of("encrypts with KMS key " + existingKey + ", not " + kmsKey);
        }
        return Optional.empty();
    }

    private static DeployFailedException notReused(String resource, String problem) {
        return new DeployFailedException(resource + " already exists but " + problem
                + "; it is not reused and the endpoint was not changed. Delete the " + resource
                + " (the name belongs to this function) and deliver the event again", null);
    }

    private Optional<String> liveInstanceType(String endpointConfigName) {
        return describe("describe endpoint config " + endpointConfigName,
                () -> sageMaker.describeEndpointConfig(r -> r.endpointConfigName(endpointConfigName)))
                .flatMap(c -> variant(c).map(ProductionVariant::instanceTypeAsString));
    }

    private static Optional<ProductionVariant> variant(DescribeEndpointConfigResponse config) {
        return config.productionVariants().stream()
                .filter(v -> Variants.CHAMPION.equals(v.variantName()))
                .findFirst()
                .or(() -> config.productionVariants().stream().findFirst());
    }

    // ---------------------------------------------------------------- A/B and shadow

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
            DescribeEndpointResponse endpoint, Gate gate, String requestId) {
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
            applyAutoscaling(plan.endpointName(), variantNames(live.config()));
            return new DeployResult(DeployStatus.UNCHANGED, plan.endpointName(), live.configName(), null,
                    plan.modelPackageArn(), version, gate.f1(), gate.threshold(), "APPLIED", null,
                    "model package version " + version + " is already live in endpoint config " + live.configName()
                            + (version == championVersion ? " as the champion" : " as the " + live.newcomerRole()),
                    shares(live.config()));
        }
        int newest = Math.max(championVersion, newcomerVersion.orElse(0));
        if (newest > version) {
            return new DeployResult(DeployStatus.SUPERSEDED, plan.endpointName(), live.configName(), null,
                    plan.modelPackageArn(), version, gate.f1(), gate.threshold(), null, null,
                    "newer model package version " + newest + " is live; version " + version
                            + " does not join it", shares(live.config()));
        }
        ensureModel(plan, pkg);
        DeployTranslator.VariantPlan target = translator.variantPlan(plan, live.champion());
        ensureVariantConfig(target);
        String autoscalingState = moveVariants(plan.endpointName(), live.config(), target.endpointConfigName(),
                target.all(), requestId);
        DeployResult result = new DeployResult(DeployStatus.VARIANT_ADDED, plan.endpointName(),
                target.endpointConfigName(), plan.modelName(), plan.modelPackageArn(), version, gate.f1(),
                gate.threshold(), autoscalingState, null,
                "model package version " + version + " joins champion version " + championVersion + " as the "
                        + (config.mode() == DeploySettings.DeploymentMode.AB
                                ? "challenger (" + config.challengerWeightPercent() + "% of requests)"
                                : "shadow (a copy of " + config.shadowSamplingPercent() + "% of requests)")
                        + live.newcomerVersion(names).stream().mapToObj(v -> "; version " + v + " leaves")
                                .findFirst().orElse(""),
                shares(target));
        return result.withDeleted(cleanUp(Set.of(live.configName(), target.endpointConfigName()), requestId));
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
        Optional<DescribeEndpointResponse> endpoint = describeEndpoint(endpointName);
        if (endpoint.isEmpty()) {
            return DeployResult.of(DeployStatus.NO_VARIANT, endpointName, "endpoint does not exist; nothing to " + verb);
        }
        requireUpdatable(endpoint.get());
        Live live = live(endpoint.get());
        ResourceNames names = translator.names();
        int championVersion = live.championVersion(names);
        if (live.newcomer().isEmpty()) {
            boolean done = promote && wanted != null && wanted == championVersion;
            return new DeployResult(done ? DeployStatus.UNCHANGED : DeployStatus.NO_VARIANT, endpointName,
                    live.configName(), live.champion().modelName(), null, championVersion, null, null, null, null,
                    done ? "model package version " + wanted + " already serves all traffic"
                            : "endpoint config " + live.configName() + " has no challenger or shadow"
                                    + (wanted != null && wanted == championVersion
                                            ? "; version " + wanted + " is the champion and is not rolled back" : "")
                                    + "; nothing to " + verb,
                    shares(live.config()));
        }
        ProductionVariant newcomer = live.newcomer().get();
        OptionalInt newcomerVersion = live.newcomerVersion(names);
        if (wanted != null && (newcomerVersion.isEmpty() || newcomerVersion.getAsInt() != wanted)) {
            return new DeployResult(DeployStatus.NO_VARIANT, endpointName, live.configName(), null, null, wanted,
                    null, null, null, null, "the " + live.newcomerRole() + " is model package version "
                            + (newcomerVersion.isPresent() ? newcomerVersion.getAsInt() : "unknown") + ", not " + wanted
                            + "; nothing to " + verb, shares(live.config()));
        }
        DeployTranslator.Plan target;
        Gate gate = null;
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
                return new DeployResult(DeployStatus.NOT_APPROVED, endpointName, live.configName(), null, arn, version,
                        null, null, null, null, "ModelApprovalStatus is " + pkg.modelApprovalStatusAsString()
                                + "; only Approved packages are promoted", shares(live.config()));
            }
            DeployRequest request = new DeployRequest(DeployRequest.Source.MODEL_PACKAGE_EVENT, arn, endpointName,
                    newcomer.instanceTypeAsString(), newcomer.initialInstanceCount(), null);
            gate = gate(pkg, request);
            if (!gate.passed()) {
                return new DeployResult(DeployStatus.GATE_FAILED, endpointName, live.configName(), null, arn, version,
                        gate.f1(), gate.threshold(), null, null, gate.reason(), shares(live.config()));
            }
            target = translator.soleVariantPlan(endpointName, arn, version, newcomer.modelName(),
                    newcomer.instanceTypeAsString(), newcomer.initialInstanceCount());
        } else {
            ProductionVariant champion = live.champion();
            target = translator.soleVariantPlan(endpointName, null, championVersion, champion.modelName(),
                    champion.instanceTypeAsString(), champion.initialInstanceCount());
        }
        ensureEndpointConfig(target);
        String autoscalingState = moveVariants(endpointName, live.config(), target.endpointConfigName(),
                List.of(new DeployTranslator.Variant(Variants.CHAMPION, target.modelName(),
                        target.instanceType(), target.initialInstanceCount(), 1.0f)), requestId);
        String leaving = promote ? "champion version " + championVersion + " leaves"
                : live.newcomerRole() + " version " + (newcomerVersion.isPresent() ? newcomerVersion.getAsInt() : "unknown")
                        + " (" + newcomer.modelName() + ") is removed";
        DeployResult result = new DeployResult(promote ? DeployStatus.PROMOTED : DeployStatus.ROLLED_BACK,
                endpointName, target.endpointConfigName(), target.modelName(), target.modelPackageArn(),
                target.packageVersion(), gate == null ? null : gate.f1(), gate == null ? null : gate.threshold(),
                autoscalingState, null, "model package version " + target.packageVersion()
                        + " serves all traffic; " + leaving
                        + (operation.reason() == null ? "" : " (requested: " + operation.reason() + ")"),
                List.of(new DeployResult.Share(Variants.CHAMPION, target.modelName(),
                        target.packageVersion(), 100, false)));
        return result.withDeleted(cleanUp(Set.of(live.configName(), target.endpointConfigName()), requestId));
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
        allVariants(live).forEach(v -> liveTypes.put(v.variantName(), v.instanceTypeAsString()));
        Map<String, String> targetTypes = new LinkedHashMap<>();
        target.forEach(v -> targetTypes.put(v.name(), v.instanceType()));
        boolean instanceTypeChanged = false;
        List<String> suspended = new ArrayList<>();
        for (Map.Entry<String, String> variant : liveTypes.entrySet()) {
            String next = targetTypes.get(variant.getKey());
            boolean typeChanges = next != null && !next.equals(variant.getValue());
            instanceTypeChanged |= typeChanges;
            if ((next == null || typeChanges) && scalableTargetRegistered(endpointName, variant.getKey())) {
                call("deregister scalable target " + variant.getKey(), () -> autoscaling.deregisterScalableTarget(
                        translator.deregisterScalableTarget(endpointName, variant.getKey())));
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
                    applyAutoscaling(endpointName, List.of(variant));
                    log.info(requestId, "autoscaling_restored", Map.of("endpoint_name", endpointName,
                            "variant_name", variant));
                } catch (DeployException restore) {
                    log.failure(requestId, restore);
                }
            }
            throw e;
        }
        Optional<DescribeEndpointResponse> now = describeEndpoint(endpointName);
        if (now.isPresent() && now.get().endpointStatus() == EndpointStatus.IN_SERVICE
                && targetConfig.equals(now.get().endpointConfigName())) {
            applyAutoscaling(endpointName, target.stream().map(DeployTranslator.Variant::name).toList());
            return "APPLIED";
        }
        return "PENDING";
    }

    /** Creates the two-variant config, or reuses one of the expected name only if it is exactly the planned one. */
    private void ensureVariantConfig(DeployTranslator.VariantPlan plan) {
        CreateEndpointConfigRequest planned = translator.createEndpointConfig(plan);
        Optional<DescribeEndpointConfigResponse> existing = existingOrCreated(planned);
        if (existing.isEmpty()) {
            return;
        }
        String found = describeVariants(existing.get().productionVariants())
                + " / shadow " + describeVariants(existing.get().shadowProductionVariants());
        String wanted = describeVariants(planned.productionVariants())
                + " / shadow " + describeVariants(planned.shadowProductionVariants());
        if (!found.equals(wanted)) {
            throw notReused("endpoint config " + plan.endpointConfigName(), "has variants " + found + ", not " + wanted);
        }
    }

    private static String describeVariants(List<ProductionVariant> variants) {
        return variants.stream().map(v -> v.variantName() + ":" + v.modelName() + ":" + v.instanceTypeAsString() + "x"
                + v.initialInstanceCount() + "@" + v.initialVariantWeight()).toList().toString();
    }

    private static List<ProductionVariant> allVariants(DescribeEndpointConfigResponse config) {
        List<ProductionVariant> all = new ArrayList<>(config.productionVariants());
        if (config.hasShadowProductionVariants()) {
            all.addAll(config.shadowProductionVariants());
        }
        return all;
    }

    private static List<String> variantNames(DescribeEndpointConfigResponse config) {
        return allVariants(config).stream().map(ProductionVariant::variantName).toList();
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
        Optional<DescribeEndpointResponse> endpoint = describeEndpoint(endpointName);
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
            applyAutoscaling(endpointName);
            return new DeployResult(DeployStatus.AUTOSCALING_APPLIED, endpointName, endpoint.get().endpointConfigName(),
                    null, null, null, null, null, "APPLIED", null, "endpoint is InService");
        }
        // A/B and shadow: every variant of the live config, whichever mode wrote it.
        Live live = live(endpoint.get());
        applyAutoscaling(endpointName, variantNames(live.config()));
        return new DeployResult(DeployStatus.AUTOSCALING_APPLIED, endpointName, live.configName(),
                null, null, null, null, null, "APPLIED", null, "endpoint is InService", shares(live.config()));
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

    private void applyAutoscaling(String endpointName, List<String> variantNames) {
        for (String variant : variantNames) {
            call("register scalable target " + variant, () -> autoscaling.registerScalableTarget(
                    translator.registerScalableTarget(endpointName, variant)));
            call("put scaling policy " + variant, () -> autoscaling.putScalingPolicy(
                    translator.putScalingPolicy(endpointName, variant)));
        }
    }

    private boolean scalableTargetRegistered(String endpointName, String variantName) {
        return !call("describe scalable targets", () -> autoscaling.describeScalableTargets(
                translator.describeScalableTarget(endpointName, variantName))).scalableTargets().isEmpty();
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
                        .ifPresent(c -> allVariants(c).forEach(v -> modelsInUse.add(v.modelName())));
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
