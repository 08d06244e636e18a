package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The deploy stack of a stage in ab or shadow mode: the function's settings, variant alarms, the pull rule. */
class DeployStackVariantsTest {

    private static Template deployStack(Map<String, Object> devSettings) {
        return Template.fromStack(TestApps.stageStacks(TestApps.newApp(TestApps.contextWithDev(devSettings))).deploy);
    }

    @Test
    void abStage_configuresTheFunctionAndAlarmsOnTheChallengerVariant() {
        Template template = deployStack(Map.of("deploymentMode", "ab", "challengerWeightPercent", 25));

        template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "DEPLOYMENT_MODE", "AB",
                        "CHALLENGER_WEIGHT_PERCENT", "25"))))));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "AlarmName", "lgbmops-dev-endpoint-challenger-5xx", "MetricName", "Invocation5XXErrors",
                "Dimensions", Match.arrayWith(List.of(Map.of("Name", "VariantName", "Value", "Challenger"))))));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "AlarmName", "lgbmops-dev-endpoint-challenger-latency", "ExtendedStatistic", "p99",
                "Dimensions", Match.arrayWith(List.of(Map.of("Name", "VariantName", "Value", "Challenger"))))));
        template.resourceCountIs("AWS::CloudWatch::Alarm", 6);
        template.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "EventPattern", Map.of(
                        "source", List.of("aws.cloudwatch"),
                        "detail-type", List.of("CloudWatch Alarm State Change"),
                        "detail", Map.of(
                                "alarmName", List.of("lgbmops-dev-endpoint-challenger-5xx",
                                        "lgbmops-dev-endpoint-challenger-latency"),
                                "state", Map.of("value", List.of("ALARM")))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "InputTransformer", Match.objectLike(Map.of(
                                "InputTemplate", Match.stringLikeRegexp("\"operation\":\"rollback\""))),
                        "DeadLetterConfig", Match.objectLike(Map.of())))))));
    }

    @Test
    void shadowStage_alarmsOnTheShadowVariant() {
        Template template = deployStack(Map.of("deploymentMode", "shadow", "shadowSamplingPercent", 30));

        template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "DEPLOYMENT_MODE", "SHADOW",
                        "SHADOW_SAMPLING_PERCENT", "30"))))));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "AlarmName", "lgbmops-dev-endpoint-shadow-5xx",
                "Dimensions", Match.arrayWith(List.of(Map.of("Name", "VariantName", "Value", "Shadow"))))));
        template.resourceCountIs("AWS::Events::Rule", 3);
    }

    @Test
    void replaceStage_statesItsModeAndHasNoNewcomerAlarms() {
        Template template = deployStack(Map.of("deploymentMode", "replace"));

        template.resourceCountIs("AWS::CloudWatch::Alarm", 4);
        template.resourceCountIs("AWS::Events::Rule", 2);
        template.findResources("AWS::Lambda::Function", Map.of()).values().forEach(function -> {
            Map<?, ?> variables = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) function.get("Properties"))
                    .get("Environment")).get("Variables");
            // Every setting is written, so the function's own defaults never decide a deployed stage.
            assertEquals("REPLACE", variables.get("DEPLOYMENT_MODE"), variables::toString);
        });
    }

    @Test
    void failsSynth_whenChallengerWeightOutOfRange_namingKeyAndValue() {
        String message = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> deployStack(Map.of("deploymentMode", "ab", "challengerWeightPercent", 0))).getMessage();

        assertEquals("stages.dev.challengerWeightPercent must be in [1, 99], got 0", message);
    }
}
