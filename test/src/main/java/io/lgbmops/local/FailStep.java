package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.pipeline.StepGraph;

/** A Fail step: ends the execution as Failed with its resolved ErrorMessage. */
final class FailStep implements StepHandler {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) {
        JsonNode message = step.arguments().get("ErrorMessage");
        String text = message == null ? "" : context.resolver().resolveText(message);
        ObjectNode properties = Json.object().put("ErrorMessage", text);
        return StepOutcome.failed(text.isEmpty() ? "Fail step reached" : text, properties,
                Json.object().put("errorMessage", text));
    }
}
