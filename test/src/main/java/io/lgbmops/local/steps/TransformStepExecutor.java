package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.BatchTransform;
import io.lgbmops.local.jobs.CsvJsonPath;
import io.lgbmops.local.jobs.ModelServer;
import io.lgbmops.pipeline.StepGraph;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.model.BatchStrategy;
import software.amazon.awssdk.services.sagemaker.model.CreateTransformJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.JoinSource;
import software.amazon.awssdk.services.sagemaker.model.SplitType;

/**
 * A Transform step (CreateTransformJob): the Model step's model served by the container's
 * {@code serve} (with the job's Environment, MaxPayloadInMB and as many workers as
 * MaxConcurrentTransforms), every object under the input prefix run through
 * {@link BatchTransform}, and each {@code <object>.out} uploaded under S3OutputPath. The job
 * fails, as in SageMaker, when it asks for larger mini-batches than the server's
 * {@code /execution-parameters} allow.
 */
public final class TransformStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) throws Exception {
        ObjectNode arguments = context.arguments(step);
        CreateTransformJobRequest request = SdkShapes.transformJob(arguments);
        var input = request.transformInput();
        if (input.splitType() != SplitType.LINE || request.batchStrategy() != BatchStrategy.MULTI_RECORD
                || !"text/csv".equals(input.contentType())) {
            return StepOutcome.failed("locally a transform runs text/csv with SplitType=Line and BatchStrategy=MultiRecord,"
                    + " got " + input.contentType() + ", " + input.splitTypeAsString() + ", " + request.batchStrategyAsString(),
                    Json.object(), Json.object());
        }
        String jobName = context.jobName(step.name(), 63);
        DescribeModelResponse model = context.sageMaker().describeModel(r -> r.modelName(request.modelName()));
        String modelDataUrl = model.primaryContainer().modelDataUrl();
        int payloadMb = request.maxPayloadInMB() == null ? io.lgbmops.pipeline.BatchPipeline.MAX_PAYLOAD_MB
                : request.maxPayloadInMB();
        int concurrent = request.maxConcurrentTransforms() == null ? 1 : request.maxConcurrentTransforms();
        var processing = request.dataProcessing();
        BatchTransform.Settings settings = new BatchTransform.Settings(
                CsvJsonPath.parse(processing == null ? null : processing.inputFilter()),
                CsvJsonPath.parse(processing == null ? null : processing.outputFilter()),
                processing != null && processing.joinSource() == JoinSource.INPUT,
                payloadMb * 1024L * 1024L, concurrent);

        Path dir = context.directory("transform", step.name());
        Map<String, String> environment = new HashMap<>(request.environment());
        environment.put("SAGEMAKER_MAX_PAYLOAD_IN_MB", Integer.toString(payloadMb));
        environment.put("SAGEMAKER_MODEL_SERVER_WORKERS", Integer.toString(concurrent));
        S3Uri inputPrefix = S3Uri.parse(input.dataSource().s3DataSource().s3Uri());
        S3Uri outputPath = S3Uri.parse(request.transformOutput().s3OutputPath());
        ObjectNode details = Json.object().put("jobName", jobName).put("model", request.modelName())
                .put("outputPath", outputPath.toString())
                .put("inputFilter", settings.inputFilter().toString()).put("outputFilter", settings.outputFilter().toString());
        long started = System.nanoTime();
        BatchTransform.Stats total = new BatchTransform.Stats(0, 0, 0);
        List<Path> files;
        try (ModelServer server = ModelServer.start(context, modelDataUrl, dir.resolve("serve"), environment)) {
            JsonNode allowed = server.executionParameters();
            details.set("executionParameters", allowed);
            if (payloadMb > allowed.path("MaxPayloadInMB").asInt(Integer.MAX_VALUE)) {
                return StepOutcome.failed("MaxPayloadInMB " + payloadMb + " is above the " + allowed.path("MaxPayloadInMB")
                        + " MB the model server accepts (GET /execution-parameters)", Json.object(), details);
            }
            Path inputDir = dir.resolve("input");
            files = context.s3().downloadPrefix(inputPrefix, inputDir);
            BatchTransform transform = new BatchTransform(settings, server.invocations());
            try {
                for (Path file : files) {
                    String relative = inputDir.relativize(file).toString().replace('\\', '/');
                    Path out = dir.resolve("output").resolve(relative + ".out");
                    total = total.plus(transform.transform(file, out, relative));
                    context.s3().upload(out, outputPath.resolve(relative + ".out"));
                }
            } catch (IllegalStateException e) {
                return StepOutcome.failed(e.getMessage(), Json.object(), details);
            } finally {
                transform.close();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        details.put("files", files.size()).put("records", total.records()).put("miniBatches", total.miniBatches())
                .put("bytesSent", total.bytesSent()).put("seconds", seconds);
        ObjectNode properties = arguments.deepCopy();
        properties.put("TransformJobName", jobName);
        properties.put("TransformJobArn", context.arn("transform-job", jobName));
        properties.put("TransformJobStatus", "Completed");
        return StepOutcome.succeeded(properties, String.format("%d records in %d file(s), %d mini-batches, %.0f records/s",
                total.records(), files.size(), total.miniBatches(), total.records() / Math.max(seconds, 1e-9)), details);
    }
}
