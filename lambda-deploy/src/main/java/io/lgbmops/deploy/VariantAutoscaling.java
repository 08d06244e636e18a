package io.lgbmops.deploy;

import static io.lgbmops.deploy.AwsCalls.call;

import io.lgbmops.pipeline.deploy.Variants;
import java.util.List;
import java.util.Map;

/**
 * Target tracking on the endpoint's variants: a scalable target and its policy per variant, taken
 * off before an update SageMaker would refuse on an autoscaled variant and put back afterwards.
 * The one-argument forms are the single-variant endpoint's, whose variant is the champion.
 */
final class VariantAutoscaling {

    private final DeployContext context;

    VariantAutoscaling(DeployContext context) {
        this.context = context;
    }

    /** Both calls are upserts, so applying on every InService invocation also heals drift. */
    void apply(String endpointName) {
        apply(endpointName, List.of(Variants.CHAMPION));
    }

    void apply(String endpointName, List<String> variantNames) {
        for (String variant : variantNames) {
            call("register scalable target " + variant, () -> context.autoscaling().registerScalableTarget(
                    context.translator().registerScalableTarget(endpointName, variant)));
            call("put scaling policy " + variant, () -> context.autoscaling().putScalingPolicy(
                    context.translator().putScalingPolicy(endpointName, variant)));
        }
    }

    void restore(String endpointName, String requestId) {
        try {
            apply(endpointName);
            context.log().info(requestId, "autoscaling_restored", Map.of("endpoint_name", endpointName));
        } catch (DeployException e) {
            context.log().failure(requestId, e);
        }
    }

    boolean isRegistered(String endpointName) {
        return isRegistered(endpointName, Variants.CHAMPION);
    }

    boolean isRegistered(String endpointName, String variantName) {
        return !call("describe scalable targets", () -> context.autoscaling().describeScalableTargets(
                context.translator().describeScalableTarget(endpointName, variantName))).scalableTargets().isEmpty();
    }

    void deregister(String endpointName) {
        deregister(endpointName, Variants.CHAMPION);
    }

    void deregister(String endpointName, String variantName) {
        call("deregister scalable target " + variantName, () -> context.autoscaling().deregisterScalableTarget(
                context.translator().deregisterScalableTarget(endpointName, variantName)));
    }
}
