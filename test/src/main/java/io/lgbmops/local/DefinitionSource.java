package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
record DefinitionSource(
        JsonNode definition,
        String description,
        Optional<String> pipelineName,
        Map<String, String> staticFiles,
        Map<String, Map<String, String>> lambdaEnvironment,
        Map<String, Path> lambdaCode) {

    DefinitionSource {
        staticFiles = Map.copyOf(staticFiles);
        lambdaEnvironment = Map.copyOf(lambdaEnvironment);
        lambdaCode = Map.copyOf(lambdaCode);
    }

    /** Picks the source the options name, else cdk.out, else the definition pipeline-spec builds. */
    static DefinitionSource load(RunnerOptions options) {
        if (options.definition().isPresent()) {
            Path file = options.definition().get();
            if (!Files.isRegularFile(file)) {
                throw new RunnerOptions.UsageException("--definition: no such file " + file);
            }
            JsonNode definition = Json.read(file);
            return new DefinitionSource(definition, file.toString(), Optional.empty(),
                    pipelineSpecStaticFiles(definition), Map.of(), Map.of());
        }
        Path cdkOut = options.cdkOut().orElse(options.repoRoot().resolve("cdk.out"));
        if (options.cdkOut().isPresent() || CdkTemplate.hasPipeline(cdkOut)) {
            return CdkTemplate.load(cdkOut, options.stack());
        }
        JsonNode definition = Json.read(LightGbmPipeline.build(PipelineSettings.placeholders()).toJson());
        return new DefinitionSource(definition,
                "pipeline-spec LightGbmPipeline with placeholder settings (no cdk.out with a pipeline)",
                Optional.empty(), pipelineSpecStaticFiles(definition), Map.of(), Map.of());
    }

    /**
     * The Clarify analysis configs pipeline-spec defines, at every URI of the definition that ends
     * in {@code pipeline-settings/<file>}: the stack uploads them there in an account.
     */
    static Map<String, String> pipelineSpecStaticFiles(JsonNode definition) {
        Map<String, String> documents = new LightGbmPipeline(PipelineSettings.placeholders()).clarifyAnalysisConfigs();
        Map<String, String> files = new LinkedHashMap<>();
        String marker = "/" + LightGbmPipeline.SETTINGS_PREFIX + "/";
        literalS3Uris(definition, uri -> {
            int at = uri.indexOf(marker);
            if (at > 0) {
                String content = documents.get(uri.substring(at + marker.length()));
                if (content != null) {
                    files.put(uri, content);
                }
            }
        });
        return files;
    }

    static void literalS3Uris(JsonNode node, java.util.function.Consumer<String> consumer) {
        if (node.isTextual() && node.asText().startsWith("s3://")) {
            consumer.accept(node.asText());
        } else if (node.isContainerNode()) {
            node.forEach(child -> literalS3Uris(child, consumer));
        }
    }
}
