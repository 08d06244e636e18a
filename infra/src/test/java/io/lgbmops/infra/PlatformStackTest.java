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

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void synthesizeDevPlatform() {
        App app = TestApps.newApp();
        StageConfig dev = TestApps.config(app).stages().get(0);
        StorageStack storage = new StorageStack(app, dev.stackName("Storage"), null, dev);
        template = Template.fromStack(new PlatformStack(app, dev.stackName("Platform"), null, dev, storage));
        statements = new ArrayList<>();
        template.findResources("AWS::IAM::Policy", Map.of()).values().forEach(policy -> {
            Map<String, Object> document = (Map<String, Object>) ((Map<String, Object>) policy.get("Properties")).get("PolicyDocument");
            statements.addAll((List<Map<String, Object>>) document.get("Statement"));
        });
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

        assertEquals(1, writers.size());
        assertTrue(writers.get(0).contains("lgbmops-dev-write-"), writers.get(0));
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
        template.hasOutput("ExecutionRoleArn", Map.of());
        template.hasOutput("ModelPackageGroupName", Map.of("Value", "lgbmops-dev-models"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> actions(Map<String, Object> statement) {
        Object action = statement.get("Action");
        return action instanceof List<?> list ? (List<String>) list : List.of((String) action);
    }
}
