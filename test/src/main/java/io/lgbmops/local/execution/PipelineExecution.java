package io.lgbmops.local.execution;

import io.lgbmops.local.expressions.Json;
import io.lgbmops.pipeline.StepGraph;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the steps of a definition one after another in dependency order, as one SageMaker pipeline
 * execution would: a Condition step's outcome selects its branch, a step runs only when every
 * step it depends on has succeeded, and the first failure (a Fail step included) stops the
 * execution.
 */
public final class PipelineExecution {

    /** The end of an execution. */
    public record Result(String status, String failureReason, Instant startedAt, Duration duration, List<StepResult> steps) {
        public boolean succeeded() {
            return status.equals("Succeeded");
        }
    }

    private final RunContext context;
    private final Map<String, StepExecutor> executors;

    public PipelineExecution(RunContext context, Map<String, StepExecutor> executors) {
        this.context = context;
        this.executors = Map.copyOf(executors);
    }

    public Result run() {
        Instant started = Instant.now();
        long startNanos = System.nanoTime();
        String failure = null;
        List<StepResult> steps = new ArrayList<>();
        for (StepGraph.Node step : context.definition().executionOrder()) {
            StepResult result;
            if (failure != null) {
                result = notRun(step, StepStatus.NOT_STARTED, "the execution had failed");
            } else {
                String blocked = blockedBy(step);
                result = blocked != null ? notRun(step, StepStatus.NOT_EXECUTED, blocked) : execute(step);
            }
            context.record(result);
            steps.add(result);
            if (result.status() != StepStatus.NOT_STARTED) {
                context.console().stepFinished(result);
            }
            if (result.status() == StepStatus.FAILED && failure == null) {
                failure = step.type().equals("Fail") ? result.reason() : "step " + step.name() + " failed: " + result.reason();
            }
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - startNanos);
        return new Result(failure == null ? "Succeeded" : "Failed", failure, started, duration, steps);
    }

    /** Why {@code step} does not run, or null when it does. */
    private String blockedBy(StepGraph.Node step) {
        Map<String, StepResult> done = context.results();
        if (step.branch().isPresent()) {
            StepGraph.Branch branch = step.branch().get();
            StepResult condition = done.get(branch.condition());
            if (condition.status() != StepStatus.SUCCEEDED) {
                return "condition " + branch.condition() + " did not run";
            }
            if (condition.conditionOutcome() != branch.ifBranch()) {
                return "condition " + branch.condition() + " was " + condition.conditionOutcome();
            }
        }
        for (String upstream : context.definition().upstream(step)) {
            StepResult result = done.get(upstream);
            if (result.status() == StepStatus.NOT_EXECUTED || result.status() == StepStatus.NOT_STARTED) {
                return "it depends on " + upstream + ", which did not run";
            }
        }
        return null;
    }

    private StepResult execute(StepGraph.Node step) {
        StepExecutor executor = executors.get(step.type());
        Instant started = Instant.now();
        long startNanos = System.nanoTime();
        StepOutcome outcome;
        if (executor == null) {
            outcome = StepOutcome.failed("the local runner has no implementation of step type " + step.type(),
                    Json.object(), Json.object());
        } else {
            context.console().stepStarted(step, null);
            try {
                outcome = executor.run(step, context);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = StepOutcome.failed("interrupted", Json.object(), Json.object());
            } catch (Exception e) {
                outcome = StepOutcome.failed(message(e), Json.object(), Json.object());
            }
        }
        return new StepResult(step.name(), step.type(), outcome.status(), started,
                Duration.ofNanos(System.nanoTime() - startNanos), outcome.figure(), outcome.reason(),
                outcome.properties(), outcome.details());
    }

    private static StepResult notRun(StepGraph.Node step, StepStatus status, String reason) {
        return new StepResult(step.name(), step.type(), status, null, Duration.ZERO, null, reason, Json.object(), Json.object());
    }

    public static String message(Throwable e) {
        Throwable cause = e;
        if (e instanceof java.util.concurrent.ExecutionException && e.getCause() != null) {
            cause = e.getCause();
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
