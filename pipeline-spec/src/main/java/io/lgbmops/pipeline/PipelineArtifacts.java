package io.lgbmops.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the definition built from {@link PipelineSettings#placeholders()} and its Mermaid graph
 * to a directory: {@code pipeline-definition.json} and {@code pipeline-graph.mmd}. The build runs
 * it in {@code prepare-package}; it refuses to write a definition that does not validate.
 */
public final class PipelineArtifacts {

    public static final String DEFINITION_FILE = "pipeline-definition.json";
    public static final String GRAPH_FILE = "pipeline-graph.mmd";

    private PipelineArtifacts() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: PipelineArtifacts <output directory>");
        }
        write(Path.of(args[0]));
    }

    public static void write(Path directory) throws IOException {
        PipelineDefinition definition = LightGbmPipeline.build(PipelineSettings.placeholders());
        PipelineValidator.validate(definition);
        Files.createDirectories(directory);
        Files.writeString(directory.resolve(DEFINITION_FILE), definition.toJson(), StandardCharsets.UTF_8);
        Files.writeString(directory.resolve(GRAPH_FILE), PipelineGraph.mermaid(definition), StandardCharsets.UTF_8);
    }
}
