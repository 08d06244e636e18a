package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.execution.Console;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.TrainingJobRunner;
import io.lgbmops.pipeline.StepGraph;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.sagemaker.model.CreateHyperParameterTuningJobRequest;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTrainingJobDefinition;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobConfig;
import software.amazon.awssdk.services.sagemaker.model.MetricDefinition;

/**
 * A Tuning step: MaxNumberOfTrainingJobs training jobs with sampled hyperparameters, at most
 * MaxParallelTrainingJobs (and the machine's cores) at a time; the best by the objective metric,
 * read with its metric definition's regex from each trial's log, becomes {@code BestTrainingJob}.
 */
public final class TuningStepExecutor implements StepExecutor {

    /** SageMaker passes the objective's name to every trial as this hyperparameter. */
    static final String OBJECTIVE_HYPERPARAMETER = "_tuning_objective_metric";

    private record Trial(int number, Map<String, String> tuned, TrainingJobRunner.Outcome outcome, Double objective) {}

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) throws Exception {
        ObjectNode arguments = context.arguments(step);
        CreateHyperParameterTuningJobRequest request = SdkShapes.tuningJob(arguments);
        HyperParameterTuningJobConfig config = request.hyperParameterTuningJobConfig();
        HyperParameterTrainingJobDefinition definition = request.trainingJobDefinition();
        if (definition == null) {
            throw new IllegalArgumentException("only a single TrainingJobDefinition runs locally (TrainingJobDefinitions is not supported)");
        }
        if (definition.algorithmSpecification().algorithmName() != null) {
            throw new IllegalArgumentException("AlgorithmName " + definition.algorithmSpecification().algorithmName()
                    + " is a marketplace algorithm; only a TrainingImage runs locally");
        }
        String strategy = config.strategyAsString();
        int maxJobs = config.resourceLimits().maxNumberOfTrainingJobs();
        int maxParallel = config.resourceLimits().maxParallelTrainingJobs();
        if (maxJobs < 1 || maxParallel < 1) {
            throw new IllegalArgumentException("ResourceLimits must be >= 1, got MaxNumberOfTrainingJobs=" + maxJobs
                    + " MaxParallelTrainingJobs=" + maxParallel);
        }
        String metricName = config.hyperParameterTuningJobObjective().metricName();
        boolean maximize = !"Minimize".equals(config.hyperParameterTuningJobObjective().typeAsString());
        MetricDefinition objective = definition.algorithmSpecification().metricDefinitions().stream()
                .filter(m -> m.name().equals(metricName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the objective metric " + metricName
                        + " has no MetricDefinition in TrainingJobDefinition.AlgorithmSpecification"));
        long seed = config.randomSeed() != null ? config.randomSeed() : context.settings().tuningSeed();
        Double target = config.tuningJobCompletionCriteria() == null ? null
                : config.tuningJobCompletionCriteria().targetObjectiveMetricValue() == null ? null
                : config.tuningJobCompletionCriteria().targetObjectiveMetricValue().doubleValue();

        Map<String, String> staticHyperparameters = new LinkedHashMap<>(TrainingJobRunner.hyperparameters(
                arguments.path("TrainingJobDefinition").get("StaticHyperParameters"), "StaticHyperParameters"));
        staticHyperparameters.putAll(context.settings().hyperparameterOverrides());
        staticHyperparameters.put(OBJECTIVE_HYPERPARAMETER, metricName);
        List<Map<String, String>> samples = new SearchSpace(config.parameterRanges()).sample(strategy, maxJobs, seed);

        String tuningJobName = tuningJobName(context, step.name());
        int parallel = Math.min(maxParallel, context.settings().maxParallelTrials());
        int threadsPerTrial = Math.max(1, Runtime.getRuntime().availableProcessors() / parallel);
        context.console().stepDetail(String.format(Locale.ROOT,
                "job %s: %s, %d trials, %d at a time (MaxParallelTrainingJobs=%d), objective %s %s, seed %d%s",
                tuningJobName, strategyNote(strategy), samples.size(), parallel, maxParallel,
                maximize ? "maximize" : "minimize", metricName, seed,
                context.settings().hyperparameterOverrides().isEmpty() ? ""
                        : ", local overrides " + context.settings().hyperparameterOverrides()));

        TrainingJobRunner runner = new TrainingJobRunner(context);
        AtomicBoolean targetReached = new AtomicBoolean(false);
        List<Trial> trials = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Trial>> futures = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                int number = i + 1;
                Map<String, String> tuned = samples.get(i);
                futures.add(pool.submit(() -> {
                    if (targetReached.get()) {
                        return null;
                    }
                    Map<String, String> hyperparameters = new LinkedHashMap<>(staticHyperparameters);
                    hyperparameters.putAll(tuned);
                    hyperparameters.putAll(context.settings().hyperparameterOverrides());
                    String jobName = trialName(tuningJobName, number);
                    var job = new TrainingJobRunner.Job(jobName, definition.algorithmSpecification().trainingImage(),
                            List.of(), List.of(), hyperparameters,
                            definition.inputDataConfig(), definition.outputDataConfig().s3OutputPath(),
                            definition.algorithmSpecification().metricDefinitions(), definition.checkpointConfig(),
                            definition.environment(), maxRuntime(definition),
                            TrainingStepExecutor.instanceCount(definition.resourceConfig()));
                    TrainingJobRunner.Outcome outcome = runner.run(job,
                            Map.of("OMP_NUM_THREADS", Integer.toString(threadsPerTrial)));
                    Double value = outcome.completed() ? outcome.metrics().get(objective.name()) : null;
                    if (value != null && target != null && (maximize ? value >= target : value <= target)) {
                        targetReached.set(true);
                    }
                    Trial trial = new Trial(number, tuned, outcome, value);
                    report(context, trial, samples.size(), metricName);
                    return trial;
                }));
            }
            for (Future<Trial> future : futures) {
                Trial trial = future.get();
                if (trial != null) {
                    trials.add(trial);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        Comparator<Trial> byObjective = Comparator.comparingDouble(Trial::objective);
        List<Trial> ranked = trials.stream().filter(t -> t.objective() != null)
                .sorted(maximize ? byObjective.reversed() : byObjective).toList();
        long completed = trials.stream().filter(t -> t.outcome().completed()).count();
        ObjectNode properties = arguments.deepCopy();
        properties.put("HyperParameterTuningJobName", tuningJobName);
        properties.put("HyperParameterTuningJobArn", context.arn("hyper-parameter-tuning-job", tuningJobName));
        properties.putObject("TrainingJobStatusCounters")
                .put("Completed", completed).put("InProgress", 0).put("RetryableError", 0)
                .put("NonRetryableError", trials.size() - completed).put("Stopped", 0);
        properties.putObject("ObjectiveStatusCounters")
                .put("Succeeded", ranked.size()).put("Pending", 0).put("Failed", trials.size() - ranked.size());
        ArrayNode summaries = properties.putArray("TrainingJobSummaries");
        ranked.forEach(trial -> summaries.add(summary(context, trial, metricName)));
        ObjectNode details = Json.object().put("tuningJobName", tuningJobName).put("strategy", strategy)
                .put("localSampling", strategyNote(strategy)).put("seed", seed).put("parallel", parallel)
                .put("trialsRun", trials.size()).put("trialsCompleted", completed);
        ArrayNode trialDetails = details.putArray("trials");
        trials.forEach(trial -> trialDetails.addObject()
                .put("jobName", trial.outcome().jobName())
                .put("status", trial.outcome().completed() ? "Completed" : "Failed")
                .put(metricName, trial.objective())
                .put("seconds", trial.outcome().duration().toMillis() / 1000.0)
                .put("failureReason", trial.outcome().failureReason())
                .set("tunedHyperParameters", Json.MAPPER.valueToTree(trial.tuned())));
        if (ranked.isEmpty()) {
            properties.put("HyperParameterTuningJobStatus", "Failed");
            String firstFailure = trials.stream().map(t -> t.outcome().failureReason()).filter(r -> r != null)
                    .findFirst().orElse("no trial printed the objective metric " + metricName);
            return StepOutcome.failed("no training job of " + tuningJobName + " reported " + metricName
                    + "; first failure: " + firstFailure, properties, details);
        }
        Trial best = ranked.get(0);
        properties.put("HyperParameterTuningJobStatus", "Completed");
        properties.set("BestTrainingJob", summary(context, best, metricName));
        details.put("best", best.outcome().jobName()).put("bestObjective", best.objective());
        String figure = String.format(Locale.ROOT, "best %s=%.4f (trial %d), %d of %d trials completed%s",
                metricName, best.objective(), best.number(), completed, samples.size(),
                targetReached.get() ? ", stopped at the target objective" : "");
        return StepOutcome.succeeded(properties, figure, details);
    }

    private static ObjectNode summary(RunContext context, Trial trial, String metricName) {
        ObjectNode summary = Json.object()
                .put("TrainingJobName", trial.outcome().jobName())
                .put("TrainingJobArn", context.arn("training-job", trial.outcome().jobName()))
                .put("TrainingJobStatus", "Completed")
                .put("ObjectiveStatus", "Succeeded")
                .put("TrainingStartTime", trial.outcome().startedAt().toString())
                .put("TrainingEndTime", trial.outcome().startedAt().plus(trial.outcome().duration()).toString());
        summary.set("TunedHyperParameters", Json.MAPPER.valueToTree(trial.tuned()));
        summary.putObject("FinalHyperParameterTuningJobObjectiveMetric")
                .put("MetricName", metricName).put("Value", trial.objective());
        return summary;
    }

    private static void report(RunContext context, Trial trial, int total, String metricName) {
        StringBuilder tuned = new StringBuilder();
        trial.tuned().forEach((name, value) -> tuned.append(' ').append(name).append('=').append(value));
        String result = trial.objective() != null
                ? String.format(Locale.ROOT, "%s=%.4f", metricName, trial.objective())
                : "Failed: " + firstLine(trial.outcome().failureReason() == null
                        ? "no " + metricName + " in the log" : trial.outcome().failureReason());
        context.console().stepDetail(String.format(Locale.ROOT, "trial %2d/%d  %-24s %6s %s", trial.number(), total,
                result, Console.seconds(trial.outcome().duration()), tuned.toString().strip()));
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse(text);
    }

    static String strategyNote(String strategy) {
        return switch (strategy) {
            case "Random" -> "Random search";
            case "Grid" -> "Grid search";
            default -> strategy + " approximated locally by random search";
        };
    }

    /** Tuning job names are at most 32 characters. */
    static String tuningJobName(RunContext context, String stepName) {
        String step = stepName.replaceAll("[^A-Za-z0-9-]", "-").toLowerCase(Locale.ROOT);
        String name = context.execution().executionId() + "-" + step;
        return name.length() > 32 ? name.substring(0, 32).replaceAll("-+$", "") : name;
    }

    /** {@code <tuning job>-<NNN>-<8 hex>}, as SageMaker names a tuning job's training jobs. */
    public static String trialName(String tuningJobName, int number) {
        String hash = String.format("%08x", (tuningJobName + "/" + number).hashCode());
        return String.format(Locale.ROOT, "%s-%03d-%s", tuningJobName, number, hash);
    }

    private static Duration maxRuntime(HyperParameterTrainingJobDefinition definition) {
        Integer seconds = definition.stoppingCondition() == null ? null : definition.stoppingCondition().maxRuntimeInSeconds();
        return Duration.ofSeconds(seconds == null ? 86_400 : seconds);
    }
}
