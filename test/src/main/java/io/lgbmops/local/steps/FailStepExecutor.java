package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.pipeline.StepGraph;

/** A Fail step: ends the execution as Failed with its resolved ErrorMessage. */
public final class FailStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) {
        JsonNode message = step.arguments().get("ErrorMessage");
        String text = message == null ? "" : context.resolver().resolveText(message);
        ObjectNode properties = Json.object().put("ErrorMessage", text);
        return StepOutcome.failed(text.isEmpty() ? "Fail step reached" : text, properties,
                Json.object().put("errorMessage", text));
    }
}
