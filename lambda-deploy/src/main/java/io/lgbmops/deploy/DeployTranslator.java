package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.applicationautoscaling.model.DeregisterScalableTargetRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.DescribeScalableTargetsRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PredefinedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.PutScalingPolicyRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.RegisterScalableTargetRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.applicationautoscaling.model.TargetTrackingScalingPolicyConfiguration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.sagemaker.model.Alarm;
import software.amazon.awssdk.services.sagemaker.model.AutoRollbackConfig;
import software.amazon.awssdk.services.sagemaker.model.BlueGreenUpdatePolicy;
import software.amazon.awssdk.services.sagemaker.model.CapacitySize;
import software.amazon.awssdk.services.sagemaker.model.CapacitySizeType;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.CreateEndpointConfigRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateEndpointRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateModelRequest;
import software.amazon.awssdk.services.sagemaker.model.DeploymentConfig;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageRequest;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfig;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;
import software.amazon.awssdk.services.sagemaker.model.UpdateEndpointRequest;
import software.amazon.awssdk.services.sagemaker.model.VariantProperty;
import software.amazon.awssdk.services.sagemaker.model.VariantPropertyType;

/**
 * Builds every SDK request from the validated configuration and request. Pure: no clients, no
 * clock, no randomness, so it is tested without an emulator and primed at SnapStart checkpoint.
 */
public final class DeployTranslator {

    /**
     * Families whose instances bring local NVMe storage: SageMaker rejects a KmsKeyId for them
     * (their volumes are encrypted by the instance's hardware module).
     */
    private static final Pattern LOCAL_STORAGE_FAMILY = Pattern.compile("^[a-z]+\\d+[a-z]*d[a-z]*$");
    private static final Set<String> LOCAL_STORAGE_FAMILIES =
            Set.of("g5", "g6", "g6e", "p5", "p5e", "p5en", "inf2", "trn1", "trn1n", "trn2");

    private final DeploySettings config;
    private final ResourceNames names;
    private final DataCapture capture;

    public DeployTranslator(DeploySettings config) {
        this.config = config;
        this.names = new ResourceNames(config.endpointName());
        this.capture = new DataCapture(config);
    }

    public ResourceNames names() {
        return names;
    }

    /** The names and settings one package deploys with. */
    public record Plan(
            String endpointName,
            String modelPackageArn,
            int packageVersion,
            String modelName,
            String endpointConfigName,
            String instanceType,
            int initialInstanceCount) { }

    public Plan plan(DeployRequest request, int packageVersion) {
        String modelName = names.name(packageVersion,
                "model", request.modelPackageArn(), config.executionRoleArn(),
                Boolean.toString(config.networkIsolation()));
        return soleVariantPlan(request.endpointName(), request.modelPackageArn(), packageVersion, modelName,
                request.instanceType(), request.initialInstanceCount());
    }

    /**
     * The single-variant plan of an existing model: what replace mode deploys, what a promotion
     * ends with and what a rollback returns to. Same inputs, same name as {@link #plan}.
     */
    public Plan soleVariantPlan(String endpointName, String modelPackageArn, int packageVersion, String modelName,
            String instanceType, int initialInstanceCount) {
        List<String> inputs = new ArrayList<>(List.of("endpoint-config", modelName, Variants.CHAMPION, instanceType,
                Integer.toString(initialInstanceCount), kmsKeyFor(instanceType).orElse("")));
        inputs.addAll(capture.nameInputs());
        String configName = names.name(packageVersion, inputs.toArray(String[]::new));
        return new Plan(endpointName, modelPackageArn, packageVersion, modelName, configName,
                instanceType, initialInstanceCount);
    }

    /** One variant of an endpoint config; {@code weight} is a percentage (weights are relative). */
    public record Variant(String name, String modelName, String instanceType, int initialInstanceCount,
            float weight) { }

    /**
     * An endpoint config with the champion and either an A/B challenger or a shadow. Named after
     * the newcomer's version, so a redelivered event finds it and an older event sees a newer one live.
     */
    public record VariantPlan(String endpointName, String endpointConfigName, int packageVersion,
            List<Variant> production, Optional<Variant> shadow) {

        public List<Variant> all() {
            List<Variant> all = new ArrayList<>(production);
            shadow.ifPresent(all::add);
            return all;
        }
    }

    /**
     * Champion plus newcomer: in {@code AB} mode the newcomer is the {@link Variants#CHALLENGER} with
     * {@code challengerWeightPercent} of the traffic; in {@code SHADOW} mode it is the
     * {@link Variants#SHADOW}, whose weight relative to the champion's (100) is the share of requests
     * copied to it.
     */
    public VariantPlan variantPlan(Plan newcomer, ProductionVariant champion) {
        boolean ab = config.mode() == DeploySettings.DeploymentMode.AB;
        int championWeight = ab ? 100 - config.challengerWeightPercent() : 100;
        Variant first = new Variant(Variants.CHAMPION, champion.modelName(), champion.instanceTypeAsString(),
                champion.initialInstanceCount() == null ? newcomer.initialInstanceCount() : champion.initialInstanceCount(),
                championWeight);
        Variant second = new Variant(ab ? Variants.CHALLENGER : Variants.SHADOW, newcomer.modelName(),
                newcomer.instanceType(), newcomer.initialInstanceCount(),
                ab ? config.challengerWeightPercent() : config.shadowSamplingPercent());
        List<String> inputs = new ArrayList<>(List.of("endpoint-config", config.mode().name()));
        for (Variant v : List.of(first, second)) {
            inputs.addAll(List.of(v.name(), v.modelName(), v.instanceType(), Integer.toString(v.initialInstanceCount()),
                    Float.toString(v.weight()), kmsKeyFor(v.instanceType()).orElse("")));
        }
        inputs.addAll(capture.nameInputs());
        String name = names.name(newcomer.packageVersion(), inputs.toArray(String[]::new));
        return ab
                ? new VariantPlan(newcomer.endpointName(), name, newcomer.packageVersion(), List.of(first, second),
                        Optional.empty())
                : new VariantPlan(newcomer.endpointName(), name, newcomer.packageVersion(), List.of(first),
                        Optional.of(second));
    }

    public DescribeModelPackageRequest describeModelPackage(String modelPackageArn) {
        return DescribeModelPackageRequest.builder().modelPackageName(modelPackageArn).build();
    }

    public CreateModelRequest createModel(Plan plan) {
        return CreateModelRequest.builder()
                .modelName(plan.modelName())
                .executionRoleArn(config.executionRoleArn())
                .enableNetworkIsolation(config.networkIsolation())
                .containers(ContainerDefinition.builder().modelPackageName(plan.modelPackageArn()).build())
                .build();
    }

    public CreateEndpointConfigRequest createEndpointConfig(Plan plan) {
        CreateEndpointConfigRequest.Builder builder = CreateEndpointConfigRequest.builder()
                .endpointConfigName(plan.endpointConfigName())
                .productionVariants(ProductionVariant.builder()
                        .variantName(Variants.CHAMPION)
                        .modelName(plan.modelName())
                        .instanceType(plan.instanceType())
                        .initialInstanceCount(plan.initialInstanceCount())
                        .initialVariantWeight(1.0f)
                        .build());
        kmsKeyFor(plan.instanceType()).ifPresent(builder::kmsKeyId);
        capture.config().ifPresent(builder::dataCaptureConfig);
        return builder.build();
    }

    public CreateEndpointConfigRequest createEndpointConfig(VariantPlan plan) {
        CreateEndpointConfigRequest.Builder builder = CreateEndpointConfigRequest.builder()
                .endpointConfigName(plan.endpointConfigName())
                .productionVariants(plan.production().stream().map(DeployTranslator::productionVariant).toList());
        plan.shadow().ifPresent(shadow -> builder.shadowProductionVariants(productionVariant(shadow)));
        // One key for the config's volumes: only when no variant runs on instances that refuse one.
        if (plan.all().stream().allMatch(v -> kmsKeyFor(v.instanceType()).isPresent())) {
            config.kmsKeyId().ifPresent(builder::kmsKeyId);
        }
        capture.config().ifPresent(builder::dataCaptureConfig);
        return builder.build();
    }

    private static ProductionVariant productionVariant(Variant variant) {
        return ProductionVariant.builder()
                .variantName(variant.name())
                .modelName(variant.modelName())
                .instanceType(variant.instanceType())
                .initialInstanceCount(variant.initialInstanceCount())
                .initialVariantWeight(variant.weight())
                .build();
    }

    /**
     * An update that adds, swaps or removes a variant. Deployment guardrails need the same variant
     * names in the old and the new config, so this update carries no DeploymentConfig: SageMaker
     * provisions the new fleet before it moves traffic and keeps the old one if that fails. Variants
     * that stay keep the instance count autoscaling gave them; weights come from the new config.
     */
    public UpdateEndpointRequest updateEndpointVariants(String endpointName, String endpointConfigName,
            boolean instanceTypeChanged) {
        UpdateEndpointRequest.Builder builder = UpdateEndpointRequest.builder()
                .endpointName(endpointName)
                .endpointConfigName(endpointConfigName)
                .retainAllVariantProperties(!instanceTypeChanged);
        if (!instanceTypeChanged) {
            builder.excludeRetainedVariantProperties(VariantProperty.builder()
                    .variantPropertyType(VariantPropertyType.DESIRED_WEIGHT).build());
        }
        return builder.build();
    }

    public CreateEndpointRequest createEndpoint(Plan plan) {
        return CreateEndpointRequest.builder()
                .endpointName(plan.endpointName())
                .endpointConfigName(plan.endpointConfigName())
                .build();
    }

    /**
     * Update with deployment guardrails. With the instance type unchanged, the variant keeps the
     * instance count autoscaling gave it; with a new instance type it starts from the configured
     * initial count (the old count is in units of another instance size).
     */
    public UpdateEndpointRequest updateEndpoint(Plan plan, boolean instanceTypeChanged) {
        return UpdateEndpointRequest.builder()
                .endpointName(plan.endpointName())
                .endpointConfigName(plan.endpointConfigName())
                .retainAllVariantProperties(!instanceTypeChanged)
                .deploymentConfig(deploymentConfig())
                .build();
    }

    public DeploymentConfig deploymentConfig() {
        TrafficRoutingConfig.Builder routing = TrafficRoutingConfig.builder()
                .waitIntervalInSeconds(config.trafficWaitSeconds());
        CapacitySize step = CapacitySize.builder()
                .type(CapacitySizeType.CAPACITY_PERCENT)
                .value(config.trafficStepPercent())
                .build();
        switch (config.strategy()) {
            case CANARY -> routing.type(TrafficRoutingConfigType.CANARY).canarySize(step);
            case LINEAR -> routing.type(TrafficRoutingConfigType.LINEAR).linearStepSize(step);
            case ALL_AT_ONCE -> routing.type(TrafficRoutingConfigType.ALL_AT_ONCE);
        }
        BlueGreenUpdatePolicy.Builder blueGreen = BlueGreenUpdatePolicy.builder()
                .trafficRoutingConfiguration(routing.build())
                .terminationWaitInSeconds(config.terminationWaitSeconds());
        config.maxExecutionTimeoutSeconds().ifPresent(blueGreen::maximumExecutionTimeoutInSeconds);
        DeploymentConfig.Builder deployment = DeploymentConfig.builder().blueGreenUpdatePolicy(blueGreen.build());
        if (!config.rollbackAlarmNames().isEmpty()) {
            deployment.autoRollbackConfiguration(AutoRollbackConfig.builder()
                    .alarms(config.rollbackAlarmNames().stream()
                            .map(name -> Alarm.builder().alarmName(name).build())
                            .toList())
                    .build());
        }
        return deployment.build();
    }

    /** Application Auto Scaling's id of one variant (production or shadow) of the endpoint. */
    public static String scalableResourceId(String endpointName, String variantName) {
        return "endpoint/" + endpointName + "/variant/" + variantName;
    }

    public static String scalingPolicyName(String endpointName) {
        return endpointName + "-invocations-per-instance";
    }

    /** The champion's policy keeps the name it always had; the other variants' names say which they are. */
    public static String scalingPolicyName(String endpointName, String variantName) {
        return Variants.CHAMPION.equals(variantName)
                ? scalingPolicyName(endpointName)
                : endpointName + "-" + variantName.toLowerCase(java.util.Locale.ROOT) + "-invocations-per-instance";
    }

    public RegisterScalableTargetRequest registerScalableTarget(String endpointName, String variantName) {
        return RegisterScalableTargetRequest.builder()
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(scalableResourceId(endpointName, variantName))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .minCapacity(config.minCapacity())
                .maxCapacity(config.maxCapacity())
                .build();
    }

    public PutScalingPolicyRequest putScalingPolicy(String endpointName, String variantName) {
        return PutScalingPolicyRequest.builder()
                .policyName(scalingPolicyName(endpointName, variantName))
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(scalableResourceId(endpointName, variantName))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .policyType(PolicyType.TARGET_TRACKING_SCALING)
                .targetTrackingScalingPolicyConfiguration(TargetTrackingScalingPolicyConfiguration.builder()
                        .targetValue(config.targetInvocationsPerInstance())
                        .predefinedMetricSpecification(PredefinedMetricSpecification.builder()
                                .predefinedMetricType(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE)
                                .build())
                        .scaleInCooldown(config.scaleInCooldownSeconds())
                        .scaleOutCooldown(config.scaleOutCooldownSeconds())
                        .build())
                .build();
    }

    public DescribeScalableTargetsRequest describeScalableTarget(String endpointName, String variantName) {
        return DescribeScalableTargetsRequest.builder()
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceIds(scalableResourceId(endpointName, variantName))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .build();
    }

    public DeregisterScalableTargetRequest deregisterScalableTarget(String endpointName, String variantName) {
        return DeregisterScalableTargetRequest.builder()
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(scalableResourceId(endpointName, variantName))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .build();
    }

    /** GetObject for the package's registered evaluation report. */
    public GetObjectRequest getEvaluationReport(String s3Uri) {
        URI uri;
        try {
            uri = URI.create(s3Uri);
        } catch (IllegalArgumentException e) {
            throw new DeployFailedException("evaluation report URI is not a URI: " + s3Uri, e);
        }
        String bucket = uri.getHost();
        String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (!"s3".equals(uri.getScheme()) || bucket == null || key.isEmpty()) {
            throw new DeployFailedException("evaluation report must be at s3://<bucket>/<key>, got " + s3Uri, null);
        }
        return GetObjectRequest.builder().bucket(bucket).key(key).build();
    }

    /** The KMS key for the endpoint's storage volumes, where the instance type allows one. */
    public Optional<String> kmsKeyFor(String instanceType) {
        return config.kmsKeyId().filter(key -> !hasLocalStorage(instanceType));
    }

    static boolean hasLocalStorage(String instanceType) {
        String[] parts = instanceType.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        String family = parts[1];
        return LOCAL_STORAGE_FAMILY.matcher(family).matches() || LOCAL_STORAGE_FAMILIES.contains(family);
    }
}
