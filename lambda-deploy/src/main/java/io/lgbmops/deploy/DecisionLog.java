package io.lgbmops.deploy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line, one line per decision (deployed, refused and why, failed and how).
 * Lambda sends stdout to CloudWatch Logs; {@link LocalInvoke} points it at stderr so that its
 * stdout carries only the result.
 */
final class DecisionLog {

    private final JsonFactory json;
    private final PrintStream out;

    DecisionLog(JsonFactory json, PrintStream out) {
        this.json = json;
        this.out = out;
    }

    void decision(String requestId, DeployResult result) {
        write("INFO", "deploy_decision", requestId, g -> result.writeFields(g));
    }

    void info(String requestId, String event, Map<String, ?> fields) {
        write("INFO", event, requestId, g -> {
            for (Map.Entry<String, ?> field : fields.entrySet()) {
                g.writeFieldName(field.getKey());
                g.writeObject(field.getValue());
            }
        });
    }

    void failure(String requestId, DeployException e) {
        write(e instanceof RetryableDeployException ? "WARN" : "ERROR", "deploy_failed", requestId, g -> {
            g.writeStringField("error", e.kind());
            g.writeStringField("error_type", e.getClass().getSimpleName());
            if (e instanceof InvalidEventException invalid) {
                g.writeStringField("field", invalid.field());
            }
            g.writeStringField("reason", e.getMessage());
        });
    }

    private interface Fields {
        void write(JsonGenerator generator) throws IOException;
    }

    private void write(String level, String event, String requestId, Fields fields) {
        StringWriter line = new StringWriter();
        try (JsonGenerator g = json.createGenerator(line)) {
            g.writeStartObject();
            g.writeStringField("timestamp", Instant.now().toString());
            g.writeStringField("level", level);
            g.writeStringField("event", event);
            if (requestId != null) {
                g.writeStringField("request_id", requestId);
            }
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            out.println("{\"level\":\"ERROR\",\"event\":\"log_serialization_failed\"}");
            return;
        }
        out.println(line);
    }
}
