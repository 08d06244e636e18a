package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class DeployStackTest {
    private static Template template;
    private static String policies;

    @BeforeAll
    static void synthesizeDevDeploy() {
        template = Template.fromStack(new StageFixture().dev.deploy);
        List<Object> documents = new ArrayList<>();
        template.findResources("AWS::IAM::Policy", Map.of()).values().forEach(p -> documents.add(p.get("Properties")));
        policies = documents.toString();
    }

    @Test
    void function_runsTheJavaHandlerWithSnapStartOnTheLatestJavaRuntime() {
        template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Runtime", "java25",
                "Handler", "io.lgbmops.deploy.DeployHandler::handleRequest",
                "SnapStart", Map.of("ApplyOn", "PublishedVersions"))));
        template.hasResourceProperties("AWS::Lambda::Alias", Match.objectLike(Map.of("Name", "live")));
    }

    @Test
    void function_isConfiguredFromTheStage() {
        template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "MODEL_PACKAGE_GROUP_NAME", "lgbmops-dev-models",
                        "ENDPOINT_NAME", "lgbmops-dev-endpoint",
                        "MIN_F1_THRESHOLD", "0.5",
                        "AUTOSCALING_MIN_CAPACITY", "1",
                        "AUTOSCALING_MAX_CAPACITY", "2",
                        "DEPLOYMENT_STRATEGY", "ALL_AT_ONCE",
                        "ROLLBACK_ALARM_NAMES", "lgbmops-dev-endpoint-5xx,lgbmops-dev-endpoint-latency"))))));
    }

    @Test
    void function_getsTheFloorNotTheExecutionThreshold() {
        template.findResources("AWS::Lambda::Function", Map.of()).values().forEach(function -> {
            Object variables = ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) function.get("Properties"))
                    .get("Environment")).get("Variables"));
            org.junit.jupiter.api.Assertions.assertFalse(((Map<?, ?>) variables).containsKey("F1_THRESHOLD"),
                    variables::toString);
        });
    }

    @Test
    void rule_matchesApprovedPackagesOfOurGroupOnly() {
        template.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "EventPattern", Map.of(
                        "source", List.of("aws.sagemaker"),
                        "detail-type", List.of("SageMaker Model Package State Change"),
                        "detail", Map.of("ModelPackageGroupName", List.of("lgbmops-dev-models"),
                                "ModelApprovalStatus", List.of("Approved"))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "RetryPolicy", Map.of("MaximumRetryAttempts", 10, "MaximumEventAgeInSeconds", 21600),
                        "DeadLetterConfig", Match.objectLike(Map.of())))))));
    }

    @Test
    void failedEvents_landInAnEncryptedDeadLetterQueue() {
        template.hasResourceProperties("AWS::SQS::Queue", Map.of("SqsManagedSseEnabled", true, "MessageRetentionPeriod", 1209600));
        template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", Match.objectLike(Map.of(
                "MaximumRetryAttempts", 2,
                "DestinationConfig", Map.of("OnFailure", Match.objectLike(Map.of())))));
    }

    @Test
    void alarms_watchFunctionErrorsDeadLettersAndTheEndpointForRollback() {
        template.resourceCountIs("AWS::CloudWatch::Alarm", 4);
        template.resourceCountIs("AWS::Events::Rule", 2);
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "AlarmName", "lgbmops-dev-endpoint-5xx", "MetricName", "Invocation5XXErrors", "Namespace", "AWS/SageMaker")));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "AlarmName", "lgbmops-dev-endpoint-latency", "MetricName", "ModelLatency", "ExtendedStatistic", "p99")));
    }

    @Test
    void role_isScopedToOurGroupEndpointAndExecutionRole() {
        assertTrue(policies.contains("model-package/lgbmops-dev-models/*"), policies);
        assertTrue(policies.contains("endpoint/lgbmops-dev-endpoint"), policies);
        assertTrue(policies.contains("iam:PassedToService=sagemaker.amazonaws.com"), policies);
        assertFalse(policies.contains("sagemaker:*"), policies);
        assertFalse(policies.contains("AmazonSageMakerFullAccess"), policies);
    }

    @Test
    void role_mayNotDeleteEndpoints() {
        assertFalse(policies.contains("sagemaker:DeleteEndpoint,") || policies.contains("sagemaker:DeleteEndpoint]"), policies);
        assertEquals(1, template.findResources("AWS::IAM::Role", Map.of()).size());
    }
}
