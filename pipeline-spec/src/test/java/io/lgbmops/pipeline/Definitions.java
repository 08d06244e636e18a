package io.lgbmops.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Path;
import java.util.Map;

/** Test helpers: the placeholder definition as a mutable JSON tree, and ways to break it. */
final class Definitions {

    private Definitions() {}

    static PipelineDefinition placeholder() {
        return LightGbmPipeline.build(PipelineSettings.placeholders());
    }

    static ObjectNode placeholderJson() {
        return (ObjectNode) placeholder().toJsonNode();
    }

    /** The step of that name, wherever it is nested. */
    static ObjectNode step(JsonNode definition, String name) {
        ObjectNode found = find(definition.path("Steps"), name);
        if (found == null) {
            throw new IllegalArgumentException("no step " + name);
        }
        return found;
    }

    /** Replaces every text value equal to {@code from} under {@code node}; fails if there is none. */
    static void replaceText(JsonNode node, String from, String to) {
        if (replace(node, from, to) == 0) {
            throw new IllegalArgumentException("no text " + from + " to replace");
        }
    }

    /** The module directory: surefire sets basedir; a plain IDE run starts there. */
    static Path moduleDirectory() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    /** Reference material copied into the repository, each folder with its SOURCE.txt. */
    static Path referenceDirectory() {
        return moduleDirectory().resolve("src/test/resources/reference");
    }

    /** The repository's dataset contracts and sample tables. */
    static Path datasetsDirectory() {
        return moduleDirectory().getParent().resolve("datasets");
    }

    private static ObjectNode find(JsonNode steps, String name) {
        for (JsonNode step : steps) {
            if (name.equals(step.path("Name").asText())) {
                return (ObjectNode) step;
            }
            for (String branch : new String[] {"IfSteps", "ElseSteps"}) {
                ObjectNode nested = find(step.path("Arguments").path(branch), name);
                if (nested != null) {
                    return nested;
                }
            }
        }
        return null;
    }

    private static int replace(JsonNode node, String from, String to) {
        int count = 0;
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                if (field.getValue().isTextual() && field.getValue().asText().equals(from)) {
                    field.setValue(TextNode.valueOf(to));
                    count++;
                } else {
                    count += replace(field.getValue(), from, to);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode element = node.get(i);
                if (element.isTextual() && element.asText().equals(from)) {
                    ((ArrayNode) node).set(i, TextNode.valueOf(to));
                    count++;
                } else {
                    count += replace(element, from, to);
                }
            }
        }
        return count;
    }
}
