package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.pipeline.ExecutionRolePermissions.Duty;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutionRolePermissionsTest {

    /** The call SageMaker Pipelines makes, as the pipeline role, to run a step of each type. */
    private static final Map<String, String> ACTION_BY_STEP_TYPE = Map.of(
            "Processing", "sagemaker:CreateProcessingJob",
            "Tuning", "sagemaker:CreateHyperParameterTuningJob",
            "Model", "sagemaker:CreateModel",
            "RegisterModel", "sagemaker:CreateModelPackage",
            "ClarifyCheck", "sagemaker:CreateProcessingJob",
            "Lambda", "lambda:InvokeFunction",
            "Condition", "iam:PassRole",
            "Fail", "iam:PassRole");

    private static List<String> actionsOf(Duty duty) {
        return ExecutionRolePermissions.of(duty).stream().flatMap(s -> s.actions().stream()).toList();
    }

    @Test
    void pipelineRole_whenPipelineIsBuilt_coversEveryStepType() {
        for (Step step : Definitions.placeholder().allSteps()) {
            String action = ACTION_BY_STEP_TYPE.get(step.type());
            assertTrue(action != null, "no action known for step type " + step.type());
            assertTrue(actionsOf(Duty.PIPELINE).contains(action), step.name() + " needs " + action);
        }
    }

    @Test
    void passRole_isOneStatementPerPassedRole() {
        List<List<String>> passed = ExecutionRolePermissions.of(Duty.PIPELINE).stream()
                .filter(s -> s.actions().contains("iam:PassRole")).map(ExecutionRolePermissions.Statement::resources).toList();

        assertEquals(List.of(List.of("{jobRoleArn}"), List.of("{modelRoleArn}")), passed);
        assertFalse(actionsOf(Duty.JOB).contains("iam:PassRole"));
    }

    @Test
    void clarifyShadowEndpoints_areTheJobRolesNotThePipelines() {
        assertTrue(actionsOf(Duty.JOB).contains("sagemaker:CreateEndpoint"));
        assertFalse(actionsOf(Duty.PIPELINE).contains("sagemaker:CreateEndpoint"));
    }

    @Test
    void resources_neverAllowEveryModelOrEveryModelPackageGroup() {
        for (ExecutionRolePermissions.Statement statement : ExecutionRolePermissions.STATEMENTS) {
            for (String resource : statement.resources()) {
                assertFalse(resource.endsWith(":model/*") || resource.endsWith(":model-package-group/*")
                        || resource.endsWith(":model-package/*") || resource.endsWith(":processing-job/*"),
                        statement.sid() + " allows " + resource);
            }
        }
    }
}
