package io.lgbmops.local.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.expressions.Json;
import java.time.Duration;
import java.time.Instant;

/** A step as the run recorded it. */
public record StepResult(
        String name,
        String type,
        StepStatus status,
        Instant startedAt,
        Duration duration,
        String figure,
        String reason,
        JsonNode properties,
        ObjectNode details) {

    /** A Condition step's outcome: true selects its IfSteps. */
    boolean conditionOutcome() {
        return properties.path("Outcome").asBoolean();
    }

    public ObjectNode toJson() {
        ObjectNode json = Json.object()
                .put("name", name)
                .put("type", type)
                .put("status", status.label());
        if (startedAt != null) {
            json.put("startedAt", startedAt.toString());
            json.put("durationSeconds", Math.round(duration.toMillis() / 100.0) / 10.0);
        }
        if (figure != null) {
            json.put("figure", figure);
        }
        if (reason != null) {
            json.put("reason", reason);
        }
        if (details != null && !details.isEmpty()) {
            json.set("details", details);
        }
        return json;
    }
}
