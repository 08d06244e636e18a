package io.lgbmops.local.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.expressions.Json;

/**
 * What a step executor reports: status, the properties later steps may {@code Get} (shaped like the
 * Describe* response of the job), a one-line key figure for the terminal and the reason of a
 * failure or skip. {@code details} go to the run summary.
 */
public record StepOutcome(StepStatus status, JsonNode properties, String figure, String reason, ObjectNode details) {

    public static StepOutcome succeeded(JsonNode properties, String figure, ObjectNode details) {
        return new StepOutcome(StepStatus.SUCCEEDED, properties, figure, null, details);
    }

    public static StepOutcome failed(String reason, JsonNode properties, ObjectNode details) {
        return new StepOutcome(StepStatus.FAILED, properties, null, reason, details);
    }

    public static StepOutcome skipped(String reason) {
        return new StepOutcome(StepStatus.SKIPPED, Json.object(), null, reason, Json.object());
    }
}
