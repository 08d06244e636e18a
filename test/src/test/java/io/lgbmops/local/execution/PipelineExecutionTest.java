package io.lgbmops.local.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.expressions.ExecutionVariables;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.Parameters;
import io.lgbmops.local.steps.ConditionStepExecutor;
import io.lgbmops.local.steps.FailStepExecutor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The execution's semantics with stand-in step executors: order, branches, failure and Fail steps. */
class PipelineExecutionTest {

    private static final String DEFINITION = """
            {"Version": "2020-12-01",
             "Parameters": [{"Name": "Threshold", "Type": "Float", "DefaultValue": 0.9}],
             "Steps": [
               {"Name": "Gate", "Type": "Condition", "Arguments": {
                  "Conditions": [{"Type": "GreaterThanOrEqualTo",
                                  "LeftValue": {"Get": "Steps.Score.Value"},
                                  "RightValue": {"Get": "Parameters.Threshold"}}],
                  "IfSteps": [{"Name": "Ship", "Type": "Work", "Arguments": {"score": {"Get": "Steps.Score.Value"}}},
                              {"Name": "Announce", "Type": "Work", "DependsOn": ["Ship"], "Arguments": {}}],
                  "ElseSteps": [{"Name": "TooLow", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Join": {
                      "On": " ", "Values": ["score", {"Get": "Steps.Score.Value"}, "below", {"Get": "Parameters.Threshold"}]}}}}]}},
               {"Name": "Score", "Type": "Work", "Arguments": {}}]}""";

    @TempDir
    Path workDir;

    private final List<String> ran = new ArrayList<>();

    private PipelineExecution.Result run(Map<String, String> overrides, StepExecutor work) {
        PipelineDefinition definition = PipelineDefinition.parse(Json.read(DEFINITION));
        var parameters = Parameters.resolve(definition, overrides);
        RunContext context = new RunContext(definition, parameters, ExecutionVariables.start("test"), null, null, null,
                null, workDir, new Console(new PrintStream(new ByteArrayOutputStream())),
                new RunSettings(1, 1, Map.of(), workDir, Map.of(), Map.of()));
        return new PipelineExecution(context, Map.of("Work", work, "Condition", new ConditionStepExecutor(), "Fail", new FailStepExecutor())).run();
    }

    private StepExecutor scoring(double score) {
        return (step, context) -> {
            ran.add(step.name());
            ObjectNode properties = Json.object().put("Value", score);
            return StepOutcome.succeeded(properties, null, Json.object());
        };
    }

    @Test
    void run_whenConditionHolds_runsIfStepsInDependencyOrder() {
        PipelineExecution.Result result = run(Map.of("Threshold", "0.5"), scoring(0.7));

        assertEquals("Succeeded", result.status());
        assertEquals(List.of("Score", "Ship", "Announce"), ran);
        assertEquals(StepStatus.NOT_EXECUTED, status(result, "TooLow"));
    }

    @Test
    void run_whenConditionFails_reachesFailStepWithResolvedMessage() {
        PipelineExecution.Result result = run(Map.of(), scoring(0.7));

        assertEquals("Failed", result.status());
        assertEquals("score 0.7 below 0.9", result.failureReason());
        assertEquals(StepStatus.NOT_EXECUTED, status(result, "Ship"));
        assertEquals(StepStatus.FAILED, status(result, "TooLow"));
    }

    @Test
    void run_whenAStepThrows_failsItAndStartsNothingAfter() {
        PipelineExecution.Result result = run(Map.of("Threshold", "0.5"), (step, context) -> {
            ran.add(step.name());
            if (step.name().equals("Ship")) {
                throw new IllegalStateException("disk full");
            }
            return StepOutcome.succeeded(Json.object().put("Value", 0.7), null, Json.object());
        });

        assertEquals("step Ship failed: disk full", result.failureReason());
        assertEquals(StepStatus.NOT_STARTED, status(result, "Announce"));
        assertEquals(List.of("Score", "Ship"), ran);
    }

    @Test
    void run_whenStepTypeHasNoExecutor_failsWithTheType() {
        PipelineDefinition definition = PipelineDefinition.parse(Json.read("""
                {"Version": "2020-12-01", "Steps": [{"Name": "Batch", "Type": "Transform", "Arguments": {}}]}"""));
        RunContext context = new RunContext(definition, Map.of(), ExecutionVariables.start("test"), null, null, null,
                null, workDir, new Console(new PrintStream(new ByteArrayOutputStream())),
                new RunSettings(1, 1, Map.of(), workDir, Map.of(), Map.of()));

        PipelineExecution.Result result = new PipelineExecution(context, Map.of()).run();

        assertEquals("step Batch failed: the local runner has no implementation of step type Transform", result.failureReason());
    }

    private static StepStatus status(PipelineExecution.Result result, String name) {
        return result.steps().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().status();
    }
}
