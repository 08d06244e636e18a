package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.TrainingJobRunner;
import io.lgbmops.pipeline.StepGraph;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.ResourceConfig;

/** A Training step: one training job. */
public final class TrainingStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) throws Exception {
        ObjectNode arguments = context.arguments(step);
        CreateTrainingJobRequest request = SdkShapes.trainingJob(arguments);
        Map<String, String> hyperparameters = new LinkedHashMap<>(
                TrainingJobRunner.hyperparameters(arguments.get("HyperParameters"), "HyperParameters"));
        hyperparameters.putAll(context.settings().hyperparameterOverrides());
        String jobName = context.jobName(step.name(), 63);
        var algorithm = request.algorithmSpecification();
        var job = new TrainingJobRunner.Job(jobName, algorithm.trainingImage(), algorithm.containerEntrypoint(),
                algorithm.containerArguments(), hyperparameters, request.inputDataConfig(),
                request.outputDataConfig().s3OutputPath(), algorithm.metricDefinitions(), request.checkpointConfig(),
                request.environment(), maxRuntime(request), instanceCount(request.resourceConfig()));
        context.console().stepDetail("job " + jobName);
        TrainingJobRunner.Outcome outcome = new TrainingJobRunner(context).run(job, Map.of());

        ObjectNode properties = arguments.deepCopy();
        properties.put("TrainingJobName", jobName);
        properties.put("TrainingJobArn", context.arn("training-job", jobName));
        properties.set("HyperParameters", Json.MAPPER.valueToTree(hyperparameters));
        outcome.finalMetricDataList(properties);
        ObjectNode details = Json.object().put("jobName", jobName).put("log", outcome.log().toString());
        details.set("metrics", Json.MAPPER.valueToTree(outcome.metrics()));
        if (!outcome.completed()) {
            properties.put("TrainingJobStatus", "Failed").put("FailureReason", outcome.failureReason());
            return StepOutcome.failed("training job " + jobName + " failed: " + outcome.failureReason(), properties, details);
        }
        properties.put("TrainingJobStatus", "Completed");
        properties.putObject("ModelArtifacts").put("S3ModelArtifacts", outcome.modelArtifacts());
        return StepOutcome.succeeded(properties, ProcessingStepExecutor.summarize(outcome.metrics()), details);
    }

    /** ResourceConfig.InstanceCount; 1 when absent. */
    static int instanceCount(ResourceConfig config) {
        return config == null || config.instanceCount() == null ? 1 : config.instanceCount();
    }

    static Duration maxRuntime(CreateTrainingJobRequest request) {
        Integer seconds = request.stoppingCondition() == null ? null : request.stoppingCondition().maxRuntimeInSeconds();
        return Duration.ofSeconds(seconds == null ? 86_400 : seconds);
    }
}
