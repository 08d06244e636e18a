package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutionRolePermissionsTest {

    /** The call SageMaker makes, with the execution role, to run a step of each type. */
    private static final Map<String, String> ACTION_BY_STEP_TYPE = Map.of(
            "Processing", "sagemaker:CreateProcessingJob",
            "Tuning", "sagemaker:CreateHyperParameterTuningJob",
            "Model", "sagemaker:CreateModel",
            "RegisterModel", "sagemaker:CreateModelPackage",
            "ClarifyCheck", "sagemaker:CreateProcessingJob",
            "Lambda", "lambda:InvokeFunction",
            "Condition", "iam:PassRole",
            "Fail", "iam:PassRole");

    @Test
    void actions_whenPipelineIsBuilt_coverEveryStepType() {
        for (Step step : Definitions.placeholder().allSteps()) {
            String action = ACTION_BY_STEP_TYPE.get(step.type());
            assertTrue(action != null, "no action known for step type " + step.type());
            assertTrue(ExecutionRolePermissions.actions().contains(action),
                    step.name() + " needs " + action);
        }
    }

    @Test
    void actions_whenListed_includeTrainingJobsLaunchedByTuningAndPassRole() {
        assertTrue(ExecutionRolePermissions.actions().contains("sagemaker:CreateTrainingJob"));
        assertTrue(ExecutionRolePermissions.actions().contains("iam:PassRole"));
        assertTrue(ExecutionRolePermissions.actions().contains("sagemaker:AddTags"));
    }
}
