package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.EmulatorState;
import io.lgbmops.local.execution.Console;
import io.lgbmops.local.execution.PipelineExecution;
import io.lgbmops.local.execution.StepResult;
import io.lgbmops.local.execution.StepStatus;
import io.lgbmops.local.expressions.ExecutionVariables;
import io.lgbmops.local.expressions.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The end of a run: printed, written as JSON, and turned into the exit status. */
record RunSummary(
        ExecutionVariables execution,
        String definition,
        String emulator,
        Map<String, JsonNode> parameters,
        Map<String, String> hyperparameterOverrides,
        List<String> deviations,
        PipelineExecution.Result result,
        Optional<SmokeTest.Result> smoke,
        String smokeError,
        ObjectNode emulatorState,
        Path workDir) {

    boolean smokePassed() {
        return smoke.map(s -> s.predictions().size() == s.rows().size() && !s.rows().isEmpty()).orElse(false);
    }

    int exitCode() {
        if (!result.succeeded()) {
            return LocalPipelineRunner.FAILED;
        }
        if (smokeError != null || smoke.isPresent() && !smokePassed()) {
            return LocalPipelineRunner.FAILED;
        }
        return LocalPipelineRunner.SUCCEEDED;
    }

    void print(Console console) {
        console.line("");
        console.line("Summary of execution " + execution.executionId());
        for (StepResult step : result.steps()) {
            String took = step.startedAt() == null ? "" : Console.seconds(step.duration());
            String text = step.figure() != null ? step.figure() : step.reason() != null ? step.reason() : "";
            if (step.figure() != null && step.reason() != null && step.status() != StepStatus.SUCCEEDED) {
                text = step.figure() + "; " + step.reason();
            }
            console.line(String.format(Locale.ROOT, "  %-22s %-13s %-11s %7s  %s", step.name(), step.type(),
                    step.status().label(), took, firstLine(text)).stripTrailing());
        }
        long skipped = result.steps().stream().filter(s -> s.status() == StepStatus.SKIPPED).count();
        console.line("");
        console.info("status", result.status() + (result.failureReason() != null ? ": " + result.failureReason() : "")
                + (skipped > 0 ? " (" + skipped + " step(s) skipped, see above)" : ""));
        console.info("duration", Console.seconds(result.duration()));
        for (String line : EmulatorState.lines(emulatorState)) {
            console.info("emulator", line);
        }
        if (smoke.isPresent()) {
            SmokeTest.Result s = smoke.get();
            console.info("smoke test", s.rows().size() + " test rows -> " + s.predictions().size() + " predictions from "
                    + s.modelPackageArn());
            for (int i = 0; i < s.rows().size(); i++) {
                console.line(String.format(Locale.ROOT, "             label %s  probabilities %-10s %s", s.labels().get(i),
                        i < s.predictions().size() ? s.predictions().get(i) : "-", abbreviate(s.rows().get(i))));
            }
        } else if (smokeError != null) {
            console.info("smoke test", "FAILED: " + smokeError);
        } else if (result.succeeded()) {
            console.info("smoke test", "not run (this execution registered no model package, or --smoke-rows 0)");
        }
        console.info("logs", workDir.toString());
    }

    ObjectNode toJson() {
        ObjectNode json = Json.object()
                .put("pipelineName", execution.pipelineName())
                .put("executionId", execution.executionId())
                .put("executionArn", execution.executionArn())
                .put("status", result.status())
                .put("failureReason", result.failureReason())
                .put("startedAt", result.startedAt().toString())
                .put("durationSeconds", result.duration().toMillis() / 1000.0)
                .put("definition", definition)
                .put("emulator", emulator)
                .put("workDir", workDir.toString())
                .put("exitCode", exitCode());
        json.set("parameters", Json.MAPPER.valueToTree(parameters));
        json.set("hyperparameterOverrides", Json.MAPPER.valueToTree(hyperparameterOverrides));
        json.set("localDeviations", Json.MAPPER.valueToTree(deviations));
        ArrayNode steps = json.putArray("steps");
        result.steps().forEach(step -> steps.add(step.toJson()));
        smoke.ifPresent(s -> json.set("smokeTest", s.toJson().put("passed", smokePassed())));
        if (smokeError != null) {
            json.putObject("smokeTest").put("passed", false).put("error", smokeError);
        }
        json.set("emulatorState", emulatorState);
        return json;
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("");
    }

    private static String abbreviate(String row) {
        return row.length() > 90 ? row.substring(0, 87) + "..." : row;
    }
}
