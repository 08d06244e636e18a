package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a step handler reports: status, the properties later steps may {@code Get} (shaped like the
 * Describe* response of the job), a one-line key figure for the terminal and the reason of a
 * failure or skip. {@code details} go to the run summary.
 */
record StepOutcome(StepStatus status, JsonNode properties, String figure, String reason, ObjectNode details) {

    static StepOutcome succeeded(JsonNode properties, String figure, ObjectNode details) {
        return new StepOutcome(StepStatus.SUCCEEDED, properties, figure, null, details);
    }

    static StepOutcome failed(String reason, JsonNode properties, ObjectNode details) {
        return new StepOutcome(StepStatus.FAILED, properties, null, reason, details);
    }

    static StepOutcome skipped(String reason) {
        return new StepOutcome(StepStatus.SKIPPED, Json.object(), null, reason, Json.object());
    }
}
