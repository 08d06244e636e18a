package io.lgbmops.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per line, one line per decision (deployed, refused and why, failed and how).
 * Lambda sends stdout to CloudWatch Logs; {@link LocalInvoke} points it at stderr so that its
 * stdout carries only the result.
 */
final class DecisionLog {

    private final ObjectMapper mapper;
    private final PrintStream out;

    DecisionLog(ObjectMapper mapper, PrintStream out) {
        this.mapper = mapper;
        this.out = out;
    }

    void decision(String requestId, DeployResult result) {
        Map<String, Object> line = header("INFO", "deploy_decision", requestId);
        line.putAll(mapper.convertValue(result, Map.class));
        write(line);
    }

    void info(String requestId, String event, Map<String, ?> fields) {
        Map<String, Object> line = header("INFO", event, requestId);
        line.putAll(fields);
        write(line);
    }

    void failure(String requestId, DeployException e) {
        Map<String, Object> line = header(e instanceof RetryableDeployException ? "WARN" : "ERROR",
                "deploy_failed", requestId);
        line.put("error", e.kind());
        line.put("error_type", e.getClass().getSimpleName());
        if (e instanceof InvalidEventException invalid) {
            line.put("field", invalid.field());
        }
        line.put("reason", e.getMessage());
        write(line);
    }

    private static Map<String, Object> header(String level, String event, String requestId) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level);
        line.put("event", event);
        if (requestId != null) {
            line.put("request_id", requestId);
        }
        return line;
    }

    private void write(Map<String, Object> line) {
        try {
            out.println(mapper.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            out.println("{\"level\":\"ERROR\",\"event\":\"log_serialization_failed\"}");
        }
    }
}
