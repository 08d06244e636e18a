package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StepGraphTest {

    @Test
    void executionOrder_whenOurDefinition_putsBranchStepsAfterTheirConditionAndRegisterAfterTheBiasGate() {
        StepGraph graph = StepGraph.of(Definitions.placeholderJson());

        assertEquals(List.of("Preprocess", "Tune", "Evaluate", "CheckF1", "ResolveBaseline", "Explain", "CheckBias",
                "Register", "Deploy", "BiasAboveLimit", "F1BelowThreshold"),
                graph.executionOrder().stream().map(StepGraph.Node::name).toList());
        assertEquals(Optional.of(new StepGraph.Branch("CheckF1", false)), graph.node("F1BelowThreshold").branch());
        assertEquals(Optional.of(new StepGraph.Branch("CheckBias", true)), graph.node("Register").branch());
        assertEquals(Optional.empty(), graph.node("Preprocess").branch());
    }

    @Test
    void upstream_listsDependsOnThenReadPropertiesThenTheEnclosingCondition() {
        StepGraph graph = StepGraph.of(definition("""
                [{"Name": "A", "Type": "Processing", "Arguments": {}},
                 {"Name": "B", "Type": "Processing", "Arguments": {}},
                 {"Name": "Gate", "Type": "Condition", "Arguments": {
                    "Conditions": [{"Type": "GreaterThan", "LeftValue": {"Std:JsonGet": {
                        "PropertyFile": {"Get": "Steps.A.PropertyFiles.Report"}, "Path": "x"}}, "RightValue": 1}],
                    "IfSteps": [{"Name": "C", "Type": "Processing", "DependsOn": ["B"],
                                 "Arguments": {"In": {"Get": "Steps.A.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"},
                                               "Self": {"Get": "Steps.C.ProcessingJobName"},
                                               "P": {"Get": "Parameters.X"}}}],
                    "ElseSteps": []}}]"""));

        assertEquals(List.of("B", "A", "Gate"), List.copyOf(graph.upstream("C")));
        assertEquals(Set.of("A"), graph.upstream("Gate"));
        assertEquals(List.of("A", "B", "Gate", "C"), graph.executionOrder().stream().map(StepGraph.Node::name).toList());
    }

    @Test
    void executionOrder_keepsTheDefinitionsOrderAmongIndependentSteps() {
        StepGraph graph = StepGraph.of(definition("""
                [{"Name": "Late", "Type": "Processing", "Arguments": {"In": {"Get": "Steps.Early.ProcessingJobName"}}},
                 {"Name": "Z", "Type": "Fail", "Arguments": {}},
                 {"Name": "Early", "Type": "Processing", "Arguments": {}}]"""));

        assertEquals(List.of("Z", "Early", "Late"), graph.executionOrder().stream().map(StepGraph.Node::name).toList());
    }

    @Test
    void executionOrder_failsOnACycle_namingItsSteps() {
        StepGraph graph = StepGraph.of(definition("""
                [{"Name": "A", "Type": "Processing", "DependsOn": ["B"], "Arguments": {}},
                 {"Name": "B", "Type": "Processing", "Arguments": {"In": {"Get": "Steps.A.ProcessingJobName"}}},
                 {"Name": "C", "Type": "Processing", "Arguments": {}}]"""));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, graph::executionOrder);

        assertEquals("the steps' dependencies form a cycle among [A, B]", error.getMessage());
    }

    @Test
    void executionOrder_failsOnAnUnknownStepOrANameUsedTwice() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> StepGraph.of(definition("""
                [{"Name": "A", "Type": "Processing", "DependsOn": ["Nope"], "Arguments": {}}]""")).executionOrder());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> StepGraph.of(definition("""
                [{"Name": "A", "Type": "Processing", "Arguments": {}},
                 {"Name": "G", "Type": "Condition", "Arguments": {"Conditions": [],
                    "IfSteps": [{"Name": "A", "Type": "Fail", "Arguments": {}}]}}]""")).executionOrder());

        assertEquals("step A depends on unknown step Nope", unknown.getMessage());
        assertEquals("step name A is used twice", twice.getMessage());
    }

    private static JsonNode definition(String steps) {
        try {
            return PipelineJson.mapper().readTree("{\"Version\": \"2020-12-01\", \"Steps\": " + steps + "}");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
