package io.lgbmops.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.RunnerOptions;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.MonitorPipeline;
import io.lgbmops.pipeline.MonitorSettings;
import io.lgbmops.pipeline.PipelineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the definition comes from, and what comes with it: the static files it refers to by S3
 * URI, and the Lambda functions' environment when the source knows it.
 *
 * @param definition        the pipeline definition JSON, free of CloudFormation intrinsics
 * @param description       shown to the user
 * @param pipelineName      the pipeline's name, when the source names it
 * @param staticFiles       S3 URI to content, uploaded before the execution starts
 * @param lambdaEnvironment function ARN to environment, as deployed
 * @param lambdaCode        function ARN to the jar the stack deploys as its code
 */
public record DefinitionSource(
        JsonNode definition,
        String description,
        Optional<String> pipelineName,
        Map<String, String> staticFiles,
        Map<String, Map<String, String>> lambdaEnvironment,
        Map<String, Path> lambdaCode) {

    public DefinitionSource {
        staticFiles = Map.copyOf(staticFiles);
        lambdaEnvironment = Map.copyOf(lambdaEnvironment);
        lambdaCode = Map.copyOf(lambdaCode);
    }

    /** Picks the source the options name, else cdk.out, else the definition pipeline-spec builds. */
    public static DefinitionSource load(RunnerOptions options) {
        if (options.definition().isPresent()) {
            Path file = options.definition().get();
            if (!Files.isRegularFile(file)) {
                throw new RunnerOptions.UsageException("--definition: no such file " + file);
            }
            JsonNode definition = Json.read(file);
            return new DefinitionSource(definition, file.toString(), Optional.empty(), Map.of(), Map.of(), Map.of());
        }
        Path cdkOut = options.cdkOut().orElse(options.repoRoot().resolve("cdk.out"));
        if (options.cdkOut().isPresent() || CdkTemplate.hasPipeline(cdkOut)) {
            return CdkTemplate.load(cdkOut, options.stack(), options.pipeline());
        }
        if (options.monitoring()) {
            JsonNode definition = Json.read(MonitorPipeline.build(PipelineSettings.placeholders(), MonitorSettings.defaults())
                    .toJson());
            return new DefinitionSource(definition,
                    "pipeline-spec MonitorPipeline with placeholder settings (no cdk.out with a pipeline)",
                    Optional.empty(), Map.of(), Map.of(), Map.of());
        }
        JsonNode definition = Json.read(LightGbmPipeline.build(PipelineSettings.placeholders()).toJson());
        return new DefinitionSource(definition,
                "pipeline-spec LightGbmPipeline with placeholder settings (no cdk.out with a pipeline)",
                Optional.empty(), Map.of(), Map.of(), Map.of());
    }
}
