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

    private static void assertFunctionVariables(Template template, Map<String, Object> variables) {
        template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Environment", Map.of("Variables", Match.objectLike(variables)))));
    }

    /** An alarm with {@code properties} on the metrics of {@code variant}. */
    private static void assertVariantAlarm(Template template, String variant, Map<String, Object> properties) {
        Map<String, Object> expected = new java.util.HashMap<>(properties);
        expected.put("Dimensions", Match.arrayWith(List.of(Map.of("Name", "VariantName", "Value", variant))));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(expected));
    }

    @Test
    void abStage_configuresTheFunctionAndAlarmsOnTheChallengerVariant() {
        Template template = deployStack(Map.of("deploymentMode", "ab", "challengerWeightPercent", 25));

        assertFunctionVariables(template, Map.of("DEPLOYMENT_MODE", "AB", "CHALLENGER_WEIGHT_PERCENT", "25"));
        assertVariantAlarm(template, "Challenger", Map.of(
                "AlarmName", "lgbmops-dev-endpoint-challenger-5xx", "MetricName", "Invocation5XXErrors"));
        assertVariantAlarm(template, "Challenger", Map.of(
                "AlarmName", "lgbmops-dev-endpoint-challenger-latency", "ExtendedStatistic", "p99"));
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

        assertFunctionVariables(template, Map.of("DEPLOYMENT_MODE", "SHADOW", "SHADOW_SAMPLING_PERCENT", "30"));
        assertVariantAlarm(template, "Shadow", Map.of("AlarmName", "lgbmops-dev-endpoint-shadow-5xx"));
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
