package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * Stands in for SageMaker's UpdateEndpoint, which moto 5.2.5 does not implement. Installed on
 * the {@link FaultInjectingProxy}, it answers {@code SageMaker.UpdateEndpoint} the way the
 * service does for what this module relies on, and makes the update visible in moto:
 * <ul>
 *   <li>unknown endpoint or endpoint config, or an endpoint not InService: ValidationException;</li>
 *   <li>a new instance type for a variant that is an Application Auto Scaling target, or the
 *       removal of such a variant (production or shadow): ValidationException (SageMaker's
 *       documented rules);</li>
 *   <li>otherwise the endpoint is re-created in moto on the new config (completing at once,
 *       as moto's endpoints do) and the request, DeploymentConfig included, stays recorded
 *       by the proxy for assertions.</li>
 * </ul>
 */
public final class UpdateEndpointEmulator implements FaultInjectingProxy.Responder {

    public static final String OPERATION = "SageMaker.UpdateEndpoint";

    private final AwsClients moto;
    private final ShadowVariantEmulator shadows;
    private final ObjectMapper mapper = new ObjectMapper();

    /** {@code moto}: clients that talk to the emulator directly, not through the proxy. */
    public UpdateEndpointEmulator(AwsClients moto) {
        this(moto, null);
    }

    /** {@code shadows}: where the shadow variants moto drops are kept (may be null: none). */
    public UpdateEndpointEmulator(AwsClients moto, ShadowVariantEmulator shadows) {
        this.moto = moto;
        this.shadows = shadows;
    }

    public static void install(FaultInjectingProxy proxy, AwsClients moto) {
        proxy.when(call -> OPERATION.equals(call.operation()), -1, new UpdateEndpointEmulator(moto));
    }

    public static void install(FaultInjectingProxy proxy, AwsClients moto, ShadowVariantEmulator shadows) {
        proxy.when(call -> OPERATION.equals(call.operation()), -1, new UpdateEndpointEmulator(moto, shadows));
    }

    @Override
    public FaultInjectingProxy.Reply respond(FaultInjectingProxy.Call call, FaultInjectingProxy.Forwarder forwarder)
            throws java.io.IOException {
        JsonNode body = mapper.readTree(call.body());
        String endpointName = body.path("EndpointName").asText();
        String configName = body.path("EndpointConfigName").asText();
        Optional<DescribeEndpointResponse> endpoint = AwsCalls.describe("describe endpoint " + endpointName,
                () -> moto.sageMaker().describeEndpoint(r -> r.endpointName(endpointName)));
        if (endpoint.isEmpty()) {
            return FaultInjectingProxy.Reply.validationError("Could not find endpoint \"" + endpointName + "\".");
        }
        if (endpoint.get().endpointStatus() != EndpointStatus.IN_SERVICE) {
            return FaultInjectingProxy.Reply.validationError("Cannot update in-progress endpoint \"" + endpointName + "\".");
        }
        Optional<DescribeEndpointConfigResponse> next = describeConfig(configName);
        if (next.isEmpty()) {
            return FaultInjectingProxy.Reply.validationError("Could not find endpoint configuration \"" + configName + "\".");
        }
        Optional<DescribeEndpointConfigResponse> current = describeConfig(endpoint.get().endpointConfigName());
        for (ProductionVariant variant : next.get().productionVariants()) {
            String before = current.flatMap(c -> c.productionVariants().stream()
                    .filter(v -> v.variantName().equals(variant.variantName())).findFirst())
                    .map(ProductionVariant::instanceTypeAsString).orElse(null);
            if (before != null && !Objects.equals(before, variant.instanceTypeAsString())
                    && isScalableTarget(endpointName, variant.variantName())) {
                return FaultInjectingProxy.Reply.validationError("The variant " + variant.variantName() + " is registered with Application Auto "
                        + "Scaling; deregister it before changing its instance type.");
            }
        }
        // SageMaker refuses to remove a variant (production or shadow) that is an autoscaling target.
        java.util.Set<String> kept = variantNames(configName, next.get());
        for (String variant : variantNames(endpoint.get().endpointConfigName(), current.orElse(null))) {
            if (!kept.contains(variant) && isScalableTarget(endpointName, variant)) {
                return FaultInjectingProxy.Reply.validationError("The variant " + variant + " is registered with Application Auto Scaling; "
                        + "deregister it before removing it from the endpoint.");
            }
        }
        moto.sageMaker().deleteEndpoint(r -> r.endpointName(endpointName));
        String arn = moto.sageMaker().createEndpoint(r -> r.endpointName(endpointName).endpointConfigName(configName))
                .endpointArn();
        return FaultInjectingProxy.Reply.json(200, "{\"EndpointArn\":\"" + arn + "\"}");
    }

    private Optional<DescribeEndpointConfigResponse> describeConfig(String name) {
        return AwsCalls.describe("describe endpoint config " + name,
                () -> moto.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(name)));
    }

    private java.util.Set<String> variantNames(String configName, DescribeEndpointConfigResponse config) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        if (config != null) {
            config.productionVariants().forEach(v -> names.add(v.variantName()));
        }
        if (shadows != null) {
            shadows.shadowVariants(configName).forEach(v -> names.add(v.path("VariantName").asText()));
        }
        return names;
    }

    private boolean isScalableTarget(String endpointName, String variantName) {
        return !moto.autoscaling().describeScalableTargets(r -> r
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .resourceIds("endpoint/" + endpointName + "/variant/" + variantName))
                .scalableTargets().isEmpty();
    }
}
