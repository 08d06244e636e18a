package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.AwsClients;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.RunSettings;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.ChildProcesses;
import io.lgbmops.pipeline.StepGraph;
import io.lgbmops.pipeline.deploy.DeployFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Lambda step: the project's deploy function, the same shaded jar the stack ships, runs once
 * through its {@code LocalInvoke} main with the step's Arguments as the event, the function's
 * environment, and the SDK pointed at the emulator by {@code AWS_ENDPOINT_URL}. Its JSON result
 * must hold every declared output parameter, as SageMaker requires.
 */
public final class LambdaStepExecutor implements StepExecutor {

    static final String LOCAL_INVOKE = "io.lgbmops.deploy.LocalInvoke";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private final String emulatorEndpoint;

    public LambdaStepExecutor(String emulatorEndpoint) {
        this.emulatorEndpoint = emulatorEndpoint;
    }

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) throws Exception {
        String functionArn = context.resolver().resolveText(step.json().path("FunctionArn"));
        JsonNode event = context.resolve(step.arguments());
        Path jar = context.settings().lambdaCode().getOrDefault(functionArn, context.settings().lambdaJar());
        if (jar == null || !Files.isRegularFile(jar)) {
            return StepOutcome.failed("the deploy Lambda jar " + jar + " does not exist; build it with "
                    + "`mvn -pl lambda-deploy -am package -DskipTests`", Json.object(), Json.object());
        }
        Map<String, String> functionEnvironment = functionEnvironment(context.settings(), functionArn);
        Path dir = context.directory("lambda", step.name());
        Path eventFile = dir.resolve("event.json");
        Files.writeString(eventFile, Json.write(event));
        Map<String, String> environment = new HashMap<>(functionEnvironment);
        environment.putAll(awsEnvironment(emulatorEndpoint));
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-cp", jar.toString(), LOCAL_INVOKE,
                eventFile.toString()));
        Duration timeout = step.json().has("TimeoutInSeconds")
                ? Duration.ofSeconds(context.resolve(step.json().get("TimeoutInSeconds")).asLong()) : DEFAULT_TIMEOUT;
        context.console().stepDetail("function " + functionArn + " (" + jar.getFileName() + ") <- " + Json.compact(event));
        ChildProcesses.Result result = context.processes().run(command, environment, dir, dir.resolve("result.json"),
                dir.resolve("function.log"), timeout);

        ObjectNode details = Json.object().put("functionArn", functionArn).put("log", dir.resolve("function.log").toString());
        details.set("event", event);
        details.set("environment", Json.MAPPER.valueToTree(functionEnvironment));
        String stdout = result.output().strip();
        JsonNode response = stdout.isEmpty() ? Json.object() : Json.read(lastLine(stdout));
        details.set("result", response);
        if (!result.succeeded()) {
            String reason = result.timedOut() ? "timed out after " + timeout.toSeconds() + " s"
                    : response.path("message").asText("exit status " + result.exitCode() + "; see " + dir.resolve("function.log"));
            return StepOutcome.failed("function " + functionArn + " failed: " + reason, Json.object(), details);
        }
        ObjectNode outputs = Json.object();
        for (JsonNode parameter : step.json().path("OutputParameters")) {
            String name = parameter.path("OutputName").asText();
            JsonNode value = response.get(name);
            if (value == null || value.isNull()) {
                return StepOutcome.failed("the function's result lacks output parameter " + name + ": " + Json.compact(response),
                        Json.object(), details);
            }
            outputs.set(name, typed(value, parameter.path("OutputType").asText("String"), name));
        }
        ObjectNode properties = Json.object();
        properties.set("OutputParameters", outputs);
        String figure = response.path("status").asText("") + (response.has("endpoint_name") ? " " + response.path("endpoint_name").asText() : "")
                + (response.has("reason") ? ": " + response.path("reason").asText() : "")
                // resolve-package's answer: Found and why.
                + (response.has(DeployFunction.FOUND) ? "found=" + response.path(DeployFunction.FOUND).asText() + ": " + response.path(DeployFunction.REASON).asText() : "");
        return StepOutcome.succeeded(properties, figure.strip(), details);
    }

    /** The function's configuration: the entry for its ARN, else the one for every function. */
    static Map<String, String> functionEnvironment(RunSettings settings, String functionArn) {
        Map<String, String> environment = new HashMap<>(settings.lambdaEnvironment().getOrDefault("*", Map.of()));
        environment.putAll(settings.lambdaEnvironment().getOrDefault(functionArn, Map.of()));
        return environment;
    }

    /** Dummy credentials and the emulator as every service's endpoint; no profile can leak in. */
    static Map<String, String> awsEnvironment(String endpoint) {
        Map<String, String> environment = new HashMap<>();
        environment.put("AWS_ENDPOINT_URL", endpoint);
        environment.put("AWS_REGION", AwsClients.REGION.id());
        environment.put("AWS_DEFAULT_REGION", AwsClients.REGION.id());
        environment.put("AWS_ACCESS_KEY_ID", AwsClients.ACCESS_KEY);
        environment.put("AWS_SECRET_ACCESS_KEY", AwsClients.SECRET_KEY);
        environment.put("AWS_SESSION_TOKEN", null);
        environment.put("AWS_PROFILE", null);
        return environment;
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.get(lines.size() - 1);
    }

    private static JsonNode typed(JsonNode value, String type, String name) {
        var nodes = Json.nodes();
        try {
            return switch (type) {
                case "Integer" -> nodes.numberNode(Long.parseLong(Json.text(value)));
                case "Float" -> nodes.numberNode(Double.parseDouble(Json.text(value)));
                case "Boolean" -> nodes.booleanNode(Boolean.parseBoolean(Json.text(value)));
                default -> nodes.textNode(Json.text(value));
            };
        } catch (NumberFormatException e) {
            throw new IllegalStateException("output parameter " + name + " is not a " + type + ": " + value, e);
        }
    }
}
