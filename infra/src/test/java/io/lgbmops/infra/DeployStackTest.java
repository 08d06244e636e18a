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
    void role_mayCreateAndUpdateTheEndpointFromItsOwnEndpointConfigs() {
        // CreateEndpoint and UpdateEndpoint act on both the endpoint and the endpoint config (Service Authorization Reference).
        for (String action : List.of("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint")) {
            String resources = statementsAllowing(action).toString();
            assertTrue(resources.contains(":endpoint/lgbmops-dev-endpoint"), action + " " + resources);
            assertTrue(resources.contains(":endpoint-config/lgbmops-dev-endpoint-v*"), action + " " + resources);
        }
    }

    @Test
    void role_scalesOnlySageMakerVariantsAndGrantsKeysOnlyToAwsResources() {
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                Match.objectLike(Map.of(
                        "Action", Match.arrayWith(List.of("application-autoscaling:RegisterScalableTarget")),
                        "Condition", Map.of("StringEquals", Map.of(
                                "application-autoscaling:service-namespace", "sagemaker",
                                "application-autoscaling:scalable-dimension", "sagemaker:variant:DesiredInstanceCount")))),
                Match.objectLike(Map.of(
                        "Action", "kms:CreateGrant",
                        "Condition", Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))))))));
    }

    @Test
    void function_runsModelsAsTheModelRoleAndMayPassOnlyIt() {
        template.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(Map.of(
                "EXECUTION_ROLE_ARN", Map.of("Fn::ImportValue", Match.stringLikeRegexp("ModelRole")))))));
        Object passModelRole = Match.objectLike(Map.of("Action", "iam:PassRole",
                "Resource", Map.of("Fn::ImportValue", Match.stringLikeRegexp("ModelRole"))));
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument",
                Map.of("Statement", Match.arrayWith(List.of(passModelRole)))));
        assertFalse(policies.contains(":alarm:lgbmops-dev-endpoint-5xx"),
                "SageMaker reads the rollback alarms as the model role, not as the deploy function's: " + policies);
    }

    @Test
    void role_mayNotDeleteEndpoints() {
        assertFalse(policies.contains("sagemaker:DeleteEndpoint,") || policies.contains("sagemaker:DeleteEndpoint]"), policies);
        assertEquals(1, template.findResources("AWS::IAM::Role", Map.of()).size());
    }

    @SuppressWarnings("unchecked")
    private static List<Object> statementsAllowing(String action) {
        List<Object> resources = new ArrayList<>();
        template.findResources("AWS::IAM::Policy", Map.of()).values().forEach(policy -> {
            Map<String, Object> document = (Map<String, Object>) ((Map<String, Object>) policy.get("Properties")).get("PolicyDocument");
            for (Map<String, Object> statement : (List<Map<String, Object>>) document.get("Statement")) {
                Object actions = statement.get("Action");
                if (actions.equals(action) || actions instanceof List<?> list && list.contains(action)) {
                    resources.add(statement.get("Resource"));
                }
            }
        });
        return resources;
    }
}
