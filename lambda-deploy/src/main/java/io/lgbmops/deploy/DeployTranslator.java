package io.lgbmops.deploy;

import java.net.URI;
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

/**
 * Builds every SDK request from the validated configuration and request. Pure: no clients, no
 * clock, no randomness, so it is tested without an emulator and primed at SnapStart checkpoint.
 */
public final class DeployTranslator {

    /** The one production variant; the same name every time keeps autoscaling's resource id stable. */
    public static final String VARIANT_NAME = "AllTraffic";

    /**
     * Families whose instances bring local NVMe storage: SageMaker rejects a KmsKeyId for them
     * (their volumes are encrypted by the instance's hardware module).
     */
    private static final Pattern LOCAL_STORAGE_FAMILY = Pattern.compile("^[a-z]+\\d+[a-z]*d[a-z]*$");
    private static final Set<String> LOCAL_STORAGE_FAMILIES =
            Set.of("g5", "g6", "g6e", "p5", "p5e", "p5en", "inf2", "trn1", "trn1n", "trn2");

    private final DeployConfig config;
    private final ResourceNames names;

    public DeployTranslator(DeployConfig config) {
        this.config = config;
        this.names = new ResourceNames(config.endpointName());
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
        String configName = names.name(packageVersion,
                "endpoint-config", modelName, VARIANT_NAME, request.instanceType(),
                Integer.toString(request.initialInstanceCount()),
                kmsKeyFor(request.instanceType()).orElse(""));
        return new Plan(request.endpointName(), request.modelPackageArn(), packageVersion, modelName, configName,
                request.instanceType(), request.initialInstanceCount());
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
                        .variantName(VARIANT_NAME)
                        .modelName(plan.modelName())
                        .instanceType(plan.instanceType())
                        .initialInstanceCount(plan.initialInstanceCount())
                        .initialVariantWeight(1.0f)
                        .build());
        kmsKeyFor(plan.instanceType()).ifPresent(builder::kmsKeyId);
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

    /** Application Auto Scaling's id of our variant. */
    public static String scalableResourceId(String endpointName) {
        return "endpoint/" + endpointName + "/variant/" + VARIANT_NAME;
    }

    public static String scalingPolicyName(String endpointName) {
        return endpointName + "-invocations-per-instance";
    }

    public RegisterScalableTargetRequest registerScalableTarget(String endpointName) {
        return RegisterScalableTargetRequest.builder()
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(scalableResourceId(endpointName))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .minCapacity(config.minCapacity())
                .maxCapacity(config.maxCapacity())
                .build();
    }

    public PutScalingPolicyRequest putScalingPolicy(String endpointName) {
        return PutScalingPolicyRequest.builder()
                .policyName(scalingPolicyName(endpointName))
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(scalableResourceId(endpointName))
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

    public DescribeScalableTargetsRequest describeScalableTarget(String endpointName) {
        return DescribeScalableTargetsRequest.builder()
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceIds(scalableResourceId(endpointName))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .build();
    }

    public DeregisterScalableTargetRequest deregisterScalableTarget(String endpointName) {
        return DeregisterScalableTargetRequest.builder()
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(scalableResourceId(endpointName))
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
