package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every AWS call the proxy sees, one JSON line each in {@value #FILE_NAME} of this module's
 * target directory: the IAM check of the `test` module maps each to an IAM action and resource and
 * checks it against the deploy function's synthesized policy.
 *
 * <p>One build runs the tests in more than one JVM (the shaded-jar test runs at package), so the file
 * starts with the build it belongs to: the Maven process this JVM descends from (surefire may fork
 * through a shell), else the parent process. A JVM of another build starts the file afresh; the
 * JVMs of one build add to it.
 */
final class RecordedAwsCalls {
    static final String FILE_NAME = "recorded-aws-calls.jsonl";
    static final Path FILE = Path.of("target", FILE_NAME);
    /** The SigV4 credential scope names the service the SDK signed for: {@code .../us-east-1/sagemaker/aws4_request}. */
    private static final Pattern SCOPE = Pattern.compile("Credential=[^/]+/\\d{8}/([^/]+)/([^/]+)/aws4_request");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean started;
    private static final String BUILD = build();

    private RecordedAwsCalls() {
    }

    static synchronized void append(FaultInjectingProxy.Call call) {
        ObjectNode line = JSON.createObjectNode();
        List<String> authorization = call.headers().getOrDefault("Authorization", List.of());
        Matcher scope = SCOPE.matcher(authorization.isEmpty() ? "" : authorization.get(0));
        line.put("service", scope.find() ? scope.group(2) : "unknown");
        line.put("region", scope.find(0) ? scope.group(1) : "unknown");
        line.put("operation", call.operation());
        line.put("method", call.method());
        line.put("path", call.path());
        line.set("fields", fields(call));
        try {
            Files.createDirectories(FILE.getParent());
            if (!started && !ofThisBuild()) {
                Files.writeString(FILE, JSON.writeValueAsString(JSON.createObjectNode().put("build", BUILD)) + "\n",
                        StandardCharsets.UTF_8);
            }
            started = true;
            Files.writeString(FILE, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the call in " + FILE, e);
        }
    }

    private static String build() {
        ProcessHandle build = ProcessHandle.current().parent().orElse(ProcessHandle.current());
        for (ProcessHandle ancestor = build; ancestor != null; ancestor = ancestor.parent().orElse(null)) {
            if (ancestor.info().commandLine().orElse("").contains("org.codehaus.plexus.classworlds")) {
                build = ancestor;
                break;
            }
        }
        return build.pid() + "@" + build.info().startInstant().map(Object::toString).orElse("?");
    }

    private static boolean ofThisBuild() throws IOException {
        if (!Files.exists(FILE)) {
            return false;
        }
        try (var lines = Files.lines(FILE, StandardCharsets.UTF_8)) {
            return lines.findFirst().map(first -> first.contains("\"build\":\"" + BUILD + "\"")).orElse(false);
        }
    }

    /** The request body's fields for JSON protocols (SageMaker, Application Auto Scaling); none for S3's REST. */
    private static JsonNode fields(FaultInjectingProxy.Call call) {
        if (call.body().length == 0) {
            return JSON.createObjectNode();
        }
        String text = new String(call.body(), StandardCharsets.UTF_8);
        if (text.startsWith("Action=")) {
            // Query protocol (CloudWatch): a form body; its top-level parameters name the operation and namespace.
            ObjectNode form = JSON.createObjectNode();
            for (String pair : text.split("&")) {
                String[] parts = pair.split("=", 2);
                if (!parts[0].contains(".")) {
                    form.put(java.net.URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                            java.net.URLDecoder.decode(parts.length > 1 ? parts[1] : "", StandardCharsets.UTF_8));
                }
            }
            return form;
        }
        try {
            JsonNode body = JSON.readTree(call.body());
            return body.isObject() ? body : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
