package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchRolePermissionsTest {

    /** The call SageMaker Pipelines makes, as the pipeline role, to run a step of each type. */
    private static final Map<String, String> ACTION_BY_STEP_TYPE = Map.of(
            "Lambda", "lambda:InvokeFunction",
            "Model", "sagemaker:CreateModel",
            "Transform", "sagemaker:CreateTransformJob",
            "Processing", "sagemaker:CreateProcessingJob");

    private static List<String> actions() {
        return BatchRolePermissions.STATEMENTS.stream().flatMap(s -> s.actions().stream()).toList();
    }

    @Test
    void statements_coverEveryStepOfTheBatchPipeline() {
        for (Step step : BatchDefinitions.placeholder().allSteps()) {
            String action = ACTION_BY_STEP_TYPE.get(step.type());
            assertTrue(action != null, "no action known for step type " + step.type());
            assertTrue(actions().contains(action), step.name() + " needs " + action);
        }
    }

    @Test
    void sageMakerResources_areOnlyWhatPipelinesNameForAStep() {
        for (ExecutionRolePermissions.Statement statement : BatchRolePermissions.STATEMENTS) {
            for (String resource : statement.resources()) {
                if (resource.contains(":sagemaker:")) {
                    assertTrue(resource.endsWith("/" + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*"),
                            statement.sid() + " allows " + resource);
                }
            }
        }
    }

    @Test
    void role_registersNothingDeploysNothingAndPassesOnlyTheModelAndJobRoles() {
        assertFalse(actions().stream().anyMatch(a -> a.contains("ModelPackage") || a.contains("Endpoint")), actions().toString());
        List<List<String>> passed = BatchRolePermissions.STATEMENTS.stream()
                .filter(s -> s.actions().contains("iam:PassRole")).map(ExecutionRolePermissions.Statement::resources).toList();
        assertEquals(List.of(List.of("{modelRoleArn}", "{jobRoleArn}")), passed);
    }

    @Test
    void createTransformJob_standsAlone_soTheAppCanConditionItOnTheKey() {
        List<ExecutionRolePermissions.Statement> starting = BatchRolePermissions.STATEMENTS.stream()
                .filter(s -> s.actions().contains(BatchRolePermissions.CREATE_TRANSFORM_JOB)).toList();
        assertEquals(1, starting.size());
        assertEquals(List.of(BatchRolePermissions.CREATE_TRANSFORM_JOB), starting.get(0).actions());
    }
}
