package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.pipeline.deploy.Checks;
import io.lgbmops.pipeline.deploy.DeployFunction;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operations the monitoring pipeline and its alarm rule invoke the function with, parsed and
 * checked here so that {@link MonitorOperations} only acts:
 * <ul>
 *   <li>{@code {"operation": "describe-live", "window_start": "", "window_end": "", "window_hours": "24"}}:
 *       the live model's artifact, the capture prefix of its variant and the resolved time window
 *       (empty bounds: the {@code window_hours} hours up to now);</li>
 *   <li>{@code {"operation": "publish-metrics", "metrics_uri": "s3://..."}}: the monitor step's
 *       {@code metrics.json} to CloudWatch;</li>
 *   <li>{@code {"operation": "retrain", "reason": "<alarm name>"}}: start the training pipeline unless
 *       it started within the stage's minimum interval.</li>
 * </ul>
 */
sealed interface MonitorRequest {

    String DESCRIBE_LIVE = DeployFunction.DESCRIBE_LIVE;
    String PUBLISH_METRICS = DeployFunction.PUBLISH_METRICS;
    String RETRAIN = DeployFunction.RETRAIN;
    Set<String> OPERATIONS = Set.of(DESCRIBE_LIVE, PUBLISH_METRICS, RETRAIN);
    Pattern METRICS_URI = Checks.s3Uri("/\\S+\\.json");

    /** Window bounds as given; empty when the execution left them to the default. */
    record DescribeLive(Optional<Instant> windowStart, Optional<Instant> windowEnd, int windowHours)
            implements MonitorRequest { }

    record PublishMetrics(String metricsUri) implements MonitorRequest { }

    record Retrain(String reason) implements MonitorRequest { }

    /** {@code root} is an object whose {@code operation} is one of {@link #OPERATIONS}. */
    static MonitorRequest parse(JsonNode root) {
        String operation = root.path("operation").asText();
        return switch (operation) {
            case DESCRIBE_LIVE -> {
                onlyFields(root, Set.of("operation", "window_start", "window_end", "window_hours"));
                int hours = integer(root, "window_hours");
                if (hours < 1 || hours > 24 * 31) {
                    throw new InvalidEventException("window_hours", "must be in [1, 744], got " + hours);
                }
                Optional<Instant> start = instant(root, "window_start");
                Optional<Instant> end = instant(root, "window_end");
                if (start.isPresent() && end.isPresent() && !start.get().isBefore(end.get())) {
                    throw new InvalidEventException("window_start", "must be before window_end ("
                            + end.get() + "), got " + start.get());
                }
                yield new DescribeLive(start, end, hours);
            }
            case PUBLISH_METRICS -> {
                onlyFields(root, Set.of("operation", "metrics_uri"));
                String uri = root.path("metrics_uri").asText("");
                if (!METRICS_URI.matcher(uri).matches()) {
                    throw new InvalidEventException("metrics_uri", "must be s3://<bucket>/<key>.json, got \""
                            + root.path("metrics_uri").asText(root.path("metrics_uri").toString()) + "\"");
                }
                yield new PublishMetrics(uri);
            }
            case RETRAIN -> {
                onlyFields(root, Set.of("operation", "reason"));
                String reason = root.path("reason").asText("");
                yield new Retrain(reason.isBlank() ? "not given" : reason);
            }
            default -> throw new IllegalArgumentException("not a monitoring operation: " + operation);
        };
    }

    private static void onlyFields(JsonNode root, Set<String> known) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidEventException(name, "is not a known field of operation \""
                        + root.path("operation").asText() + "\"; expected " + known.stream().sorted().toList());
            }
        }
    }

    /** The pipeline passes its integer parameters as numbers or strings. */
    private static int integer(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node != null && node.isIntegralNumber() && node.canConvertToInt()) {
            return node.intValue();
        }
        if (node != null && node.isTextual() && node.textValue().trim().matches("\\d{1,6}")) {
            return Integer.parseInt(node.textValue().trim());
        }
        throw new InvalidEventException(field, "must be an integer (or a string holding one), got "
                + (node == null ? "nothing" : node.toString()));
    }

    /** ISO 8601 with a zone ({@code 2026-12-01T00:00:00Z}); empty or absent: the default. */
    private static Optional<Instant> instant(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull() || node.isTextual() && node.textValue().isBlank()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(field, "must be an ISO 8601 time such as 2026-12-01T00:00:00Z, got " + node);
        }
        try {
            return Optional.of(java.time.OffsetDateTime.parse(node.textValue().trim()).toInstant());
        } catch (DateTimeParseException e) {
            throw new InvalidEventException(field, "must be an ISO 8601 time with a zone such as "
                    + "2026-12-01T00:00:00Z, got \"" + node.textValue() + "\"");
        }
    }
}
