package io.lgbmops.deploy;

import static io.lgbmops.deploy.AwsCalls.call;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;

/**
 * Target tracking on the endpoint's variants: a scalable target and its policy per variant, taken
 * off before an update SageMaker would refuse on an autoscaled variant and put back afterwards.
 */
final class VariantAutoscaling {

    private final ApplicationAutoScalingClient autoscaling;
    private final DeployTranslator translator;
    private final DecisionLog log;

    VariantAutoscaling(ApplicationAutoScalingClient autoscaling, DeployTranslator translator, DecisionLog log) {
        this.autoscaling = autoscaling;
        this.translator = translator;
        this.log = log;
    }

    /** Both calls are upserts, so applying on every InService invocation also heals drift. */
    void apply(String endpointName) {
        call("register scalable target", () -> autoscaling.registerScalableTarget(
                translator.registerScalableTarget(endpointName)));
        call("put scaling policy", () -> autoscaling.putScalingPolicy(translator.putScalingPolicy(endpointName)));
    }

    void apply(String endpointName, List<String> variantNames) {
        for (String variant : variantNames) {
            call("register scalable target " + variant, () -> autoscaling.registerScalableTarget(
                    translator.registerScalableTarget(endpointName, variant)));
            call("put scaling policy " + variant, () -> autoscaling.putScalingPolicy(
                    translator.putScalingPolicy(endpointName, variant)));
        }
    }

    boolean isRegistered(String endpointName, String variantName) {
        return !call("describe scalable targets", () -> autoscaling.describeScalableTargets(
                translator.describeScalableTarget(endpointName, variantName))).scalableTargets().isEmpty();
    }

    void restore(String endpointName, String requestId) {
        try {
            apply(endpointName);
            log.info(requestId, "autoscaling_restored", Map.of("endpoint_name", endpointName));
        } catch (DeployException e) {
            log.failure(requestId, e);
        }
    }

    boolean isRegistered(String endpointName) {
        return !call("describe scalable targets", () -> autoscaling.describeScalableTargets(
                translator.describeScalableTarget(endpointName))).scalableTargets().isEmpty();
    }

    void deregister(String endpointName) {
        call("deregister scalable target", () -> autoscaling.deregisterScalableTarget(
                translator.deregisterScalableTarget(endpointName)));
    }

    void deregister(String endpointName, String variantName) {
        call("deregister scalable target " + variantName, () -> autoscaling.deregisterScalableTarget(
                translator.deregisterScalableTarget(endpointName, variantName)));
    }
}
