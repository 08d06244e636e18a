package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.jobs.ContainerPaths;
import io.lgbmops.local.jobs.ProcessingJobRunner;
import io.lgbmops.pipeline.StepGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.CreateProcessingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.ProcessingOutput;

/**
 * A Processing step on the project's image: the container's entry point runs as a local process,
 * then the declared property files are read back from S3.
 */
public final class ProcessingStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) throws Exception {
        ObjectNode arguments = context.arguments(step);
        CreateProcessingJobRequest request = SdkShapes.processingJob(arguments);
        var app = request.appSpecification();
        ProcessingJobRunner.Outcome outcome = new ProcessingJobRunner(context).run(step.name(), arguments, request,
                (optMl, r) -> new ProcessingJobRunner.Launch(
                        context.image().command(app.containerEntrypoint(), app.containerArguments(), app.imageUri()),
                        Map.of()));
        if (!outcome.completed()) {
            return StepOutcome.failed(outcome.failureReason(), outcome.properties(), outcome.details());
        }
        ObjectNode propertyFiles = outcome.details().putObject("propertyFiles");
        for (JsonNode propertyFile : step.json().path("PropertyFiles")) {
            String fileName = propertyFile.path("PropertyFileName").asText();
            String outputName = propertyFile.path("OutputName").asText();
            ProcessingOutput output = ProcessingJobRunner.outputs(request).stream()
                    .filter(o -> o.outputName().equals(outputName)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("property file " + fileName + " names unknown output " + outputName));
            S3Uri location = S3Uri.parse(output.s3Output().s3Uri()).resolve(propertyFile.path("FilePath").asText());
            context.putPropertyFile(step.name(), fileName, context.s3().readJson(location));
            propertyFiles.put(fileName, location.toString());
        }
        String figure = outcome.metrics().isEmpty()
                ? outcome.details().path("uploadedFiles").asInt() + " output files"
                : summarize(outcome.metrics());
        return StepOutcome.succeeded(outcome.properties(), figure, outcome.details());
    }

    static String summarize(Map<String, Double> metrics) {
        List<String> parts = new ArrayList<>();
        metrics.forEach((name, value) -> parts.add(name + "=" + ContainerPaths.format(value)));
        return String.join(" ", parts.subList(0, Math.min(parts.size(), 8)));
    }
}
