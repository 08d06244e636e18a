package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Conditions;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.pipeline.StepGraph;

/** A Condition step: its {@code Outcome} property selects IfSteps or ElseSteps. */
public final class ConditionStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) {
        Conditions.Outcome outcome = new Conditions(context.resolver()).all(step.arguments().path("Conditions"));
        ObjectNode properties = Json.object().put("Outcome", outcome.holds());
        String figure = outcome.explanation() + " is " + outcome.holds() + " -> " + (outcome.holds() ? "IfSteps" : "ElseSteps");
        return StepOutcome.succeeded(properties, figure, Json.object().put("explanation", outcome.explanation()));
    }
}
