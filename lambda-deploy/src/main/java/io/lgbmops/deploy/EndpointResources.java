package io.lgbmops.deploy;

import static io.lgbmops.deploy.AwsCalls.call;
import static io.lgbmops.deploy.AwsCalls.describe;

import io.lgbmops.pipeline.deploy.Variants;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.CreateEndpointConfigRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * The models and endpoint configs a deployment needs: created under their deterministic names, or
 * reused only when what exists under that name is exactly what was planned.
 */
final class EndpointResources {

    private final DeployContext context;

    EndpointResources(DeployContext context) {
        this.context = context;
    }

    Optional<DescribeEndpointResponse> describeEndpoint(String name) {
        return describe("describe endpoint " + name,
                () -> context.sageMaker().describeEndpoint(r -> r.endpointName(name)));
    }

    /**
     * Creates the model, or reuses one of the expected name only if it serves exactly this package
     * with our role: in an account shared by stages, anything could have created a model of that name.
     */
    void ensureModel(DeployTranslator.Plan plan, DescribeModelPackageResponse pkg) {
        Optional<DescribeModelResponse> existing = describe("describe model " + plan.modelName(),
                () -> context.sageMaker().describeModel(r -> r.modelName(plan.modelName())));
        if (existing.isEmpty()) {
            call("create model " + plan.modelName(),
                    () -> context.sageMaker().createModel(context.translator().createModel(plan)));
            return;
        }
        modelMismatch(existing.get(), plan, pkg).ifPresent(problem -> {
            throw notReused("model " + plan.modelName(), problem);
        });
    }

    private Optional<String> modelMismatch(DescribeModelResponse model, DeployTranslator.Plan plan,
            DescribeModelPackageResponse pkg) {
        if (!context.config().executionRoleArn().equals(model.executionRoleArn())) {
            return Optional.of("runs with execution role " + model.executionRoleArn() + ", not "
                    + context.config().executionRoleArn());
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
    void ensureEndpointConfig(DeployTranslator.Plan plan) {
        existingOrCreated(context.translator().createEndpointConfig(plan))
                .flatMap(existing -> endpointConfigMismatch(existing, plan))
                .ifPresent(problem -> {
                    throw notReused("endpoint config " + plan.endpointConfigName(), problem);
                });
    }

    /** The endpoint config of the planned name as it exists, or empty once this call created it. */
    private Optional<DescribeEndpointConfigResponse> existingOrCreated(CreateEndpointConfigRequest planned) {
        String name = planned.endpointConfigName();
        Optional<DescribeEndpointConfigResponse> existing = describe("describe endpoint config " + name,
                () -> context.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(name)));
        if (existing.isEmpty()) {
            call("create endpoint config " + name, () -> context.sageMaker().createEndpointConfig(planned));
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
        String kmsKey = context.translator().kmsKeyFor(plan.instanceType()).orElse(null);
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

    Optional<String> liveInstanceType(String endpointConfigName) {
        return describe("describe endpoint config " + endpointConfigName,
                () -> context.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(endpointConfigName)))
                .flatMap(c -> variant(c).map(ProductionVariant::instanceTypeAsString));
    }

    private static Optional<ProductionVariant> variant(DescribeEndpointConfigResponse config) {
        return config.productionVariants().stream()
                .filter(v -> Variants.CHAMPION.equals(v.variantName()))
                .findFirst()
                .or(() -> config.productionVariants().stream().findFirst());
    }

    /** Creates the two-variant config, or reuses one of the expected name only if it is exactly the planned one. */
    void ensureVariantConfig(DeployTranslator.VariantPlan plan) {
        CreateEndpointConfigRequest planned = context.translator().createEndpointConfig(plan);
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

    static List<ProductionVariant> allVariants(DescribeEndpointConfigResponse config) {
        List<ProductionVariant> all = new ArrayList<>(config.productionVariants());
        if (config.hasShadowProductionVariants()) {
            all.addAll(config.shadowProductionVariants());
        }
        return all;
    }

    static List<String> variantNames(DescribeEndpointConfigResponse config) {
        return allVariants(config).stream().map(ProductionVariant::variantName).toList();
    }
}
