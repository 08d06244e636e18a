package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.infra.config.StageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class PlatformStackTest {
    private static Template template;
    private static List<Map<String, Object>> statements;
    /** role logical id prefix (PipelineRole, JobRole, ModelRole) -> its statements */
    private static final Map<String, List<Map<String, Object>>> BY_ROLE = new java.util.TreeMap<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void synthesizeDevPlatform() {
        App app = TestApps.newApp();
        StageConfig dev = TestApps.config(app).stages().get(0);
        StorageStack storage = new StorageStack(app, dev.stackName("Storage"), null, LgbmOpsApp.storageProps(dev));
        template = Template.fromStack(new PlatformStack(app, dev.stackName("Platform"), null, LgbmOpsApp.platformProps(dev, storage)));
        statements = new ArrayList<>();
        template.findResources("AWS::IAM::Policy", Map.of()).values().forEach(policy -> {
            Map<String, Object> properties = (Map<String, Object>) policy.get("Properties");
            List<Map<String, Object>> own = (List<Map<String, Object>>) ((Map<String, Object>) properties.get("PolicyDocument")).get("Statement");
            statements.addAll(own);
            String role = String.valueOf(((Map<String, Object>) ((List<Object>) properties.get("Roles")).get(0)).get("Ref"));
            BY_ROLE.computeIfAbsent(role.replaceAll("[0-9A-F]{8}$", ""), r -> new ArrayList<>()).addAll(own);
        });
    }

    @Test
    void roles_areOnePerDuty() {
        assertEquals(List.of("JobRole", "ModelRole", "PipelineRole"), List.copyOf(BY_ROLE.keySet()));
        assertEquals(3, template.findResources("AWS::IAM::Role", Map.of()).size());
    }

    @Test
    void kmsCreateGrant_isOnlyForAwsResources() {
        List<Map<String, Object>> grants = statements.stream().filter(s -> actions(s).contains("kms:CreateGrant")).toList();

        assertEquals(1, grants.size(), "the job role's, for job volumes");
        grants.forEach(grant -> assertEquals(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")), grant.get("Condition")));
    }

    @Test
    void modelRole_describesTheRollbackAlarmsOfDeploymentGuardrails() {
        Map<String, Object> alarms = BY_ROLE.get("ModelRole").stream()
                .filter(s -> actions(s).contains("cloudwatch:DescribeAlarms")).findFirst().orElseThrow();

        String resources = String.valueOf(alarms.get("Resource"));
        assertTrue(resources.contains(":alarm:lgbmops-dev-endpoint-5xx") && resources.contains(":alarm:lgbmops-dev-endpoint-latency"), resources);
        assertTrue(BY_ROLE.get("JobRole").stream().noneMatch(s -> actions(s).contains("cloudwatch:DescribeAlarms")));
    }

    @Test
    void pipelineAndModelRoles_readOnlyPipelineRunsAndOnlyTheModelRoleWritesOnlyCaptures() {
        for (String role : List.of("PipelineRole", "ModelRole")) {
            for (Map<String, Object> statement : BY_ROLE.get(role)) {
                for (String action : actions(statement)) {
                    if (role.equals("ModelRole") && action.equals("s3:PutObject")) {
                        // SageMaker writes the endpoint's data capture as the endpoint's execution role.
                        assertTrue(String.valueOf(statement.get("Resource")).contains("/datacapture/lgbmops-dev-endpoint/*"),
                                role + " " + statement);
                        continue;
                    }
                    assertFalse(action.startsWith("s3:") && !action.equals("s3:GetObject"), role + " " + action);
                    if (action.equals("s3:GetObject")) {
                        assertTrue(String.valueOf(statement.get("Resource")).contains("/pipeline-runs/*"), role + " " + statement);
                    }
                }
            }
        }
    }

    @Test
    void executionRole_isAssumedBySageMakerOnlyAndHasNoManagedPolicies() {
        template.hasResourceProperties("AWS::IAM::Role", Map.of(
                "AssumeRolePolicyDocument", Map.of("Statement", List.of(Map.of(
                        "Action", "sts:AssumeRole", "Effect", "Allow",
                        "Principal", Map.of("Service", "sagemaker.amazonaws.com")))),
                "ManagedPolicyArns", Match.absent()));
    }

    @Test
    void executionRole_grantsNoWildcardActions() {
        for (Map<String, Object> statement : statements) {
            for (String action : actions(statement)) {
                assertFalse(action.contains("*"), "wildcard action " + action);
            }
        }
    }

    @Test
    void executionRole_readsButNeverWritesTheReadBucket() {
        for (Map<String, Object> statement : statements) {
            if (String.valueOf(statement.get("Resource")).contains("lgbmops-dev-read-")) {
                for (String action : actions(statement)) {
                    assertTrue(List.of("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation").contains(action), action);
                }
            }
        }
    }

    @Test
    void executionRole_writesOnlyTheWriteBucket() {
        List<String> writers = statements.stream()
                .filter(statement -> actions(statement).contains("s3:PutObject"))
                .map(statement -> String.valueOf(statement.get("Resource")))
                .toList();

        assertEquals(2, writers.size(), writers::toString);
        assertTrue(BY_ROLE.get("JobRole").stream().anyMatch(st -> actions(st).contains("s3:PutObject")));
        assertTrue(BY_ROLE.get("ModelRole").stream().anyMatch(st -> actions(st).contains("s3:PutObject")));
        writers.forEach(writer -> assertTrue(writer.contains("lgbmops-dev-write-"), writer));
    }

    @Test
    void executionRole_pullsOnlyFromOurRepository() {
        Map<String, Object> pull = statements.stream().filter(s -> actions(s).contains("ecr:BatchGetImage")).findFirst().orElseThrow();

        assertEquals(List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                actions(pull).stream().sorted().toList());
        assertTrue(String.valueOf(pull.get("Resource")).contains("ImageRepository"), String.valueOf(pull.get("Resource")));
    }

    @Test
    void executionRole_putsMetricsOnlyInSageMakerNamespaces() {
        Map<String, Object> metrics = statements.stream().filter(s -> actions(s).contains("cloudwatch:PutMetricData")).findFirst().orElseThrow();

        assertEquals(Map.of("StringLike", Map.of("cloudwatch:namespace", "/aws/sagemaker/*")), metrics.get("Condition"));
    }

    @Test
    void modelPackageGroup_isNamedPerStageAndPinned() {
        assertEquals(List.of("ModelPackageGroup"), List.copyOf(template.findResources("AWS::SageMaker::ModelPackageGroup",
                Map.of("Properties", Match.objectLike(Map.of("ModelPackageGroupName", "lgbmops-dev-models")))).keySet()));
    }

    @Test
    void outputs_exposeRoleAndGroup() {
        for (String output : List.of("PipelineRoleArn", "JobRoleArn", "ModelRoleArn")) {
            template.hasOutput(output, Map.of());
        }
        template.hasOutput("ModelPackageGroupName", Map.of("Value", "lgbmops-dev-models"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> actions(Map<String, Object> statement) {
        Object action = statement.get("Action");
        return action instanceof List<?> list ? (List<String>) list : List.of((String) action);
    }
}
