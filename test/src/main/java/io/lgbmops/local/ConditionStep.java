package io.lgbmops.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.pipeline.StepGraph;

/** A Condition step: its {@code Outcome} property selects IfSteps or ElseSteps. */
final class ConditionStep implements StepHandler {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) {
        Conditions.Outcome outcome = new Conditions(context.resolver()).all(step.arguments().path("Conditions"));
        ObjectNode properties = Json.object().put("Outcome", outcome.holds());
        String figure = outcome.explanation() + " is " + outcome.holds() + " -> " + (outcome.holds() ? "IfSteps" : "ElseSteps");
        return StepOutcome.succeeded(properties, figure, Json.object().put("explanation", outcome.explanation()));
    }

    static boolean outcome(StepResult condition) {
        return condition.properties().path("Outcome").asBoolean();
    }
}
