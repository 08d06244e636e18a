package io.lgbmops.local.execution;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.PipelineParameter;
import io.lgbmops.pipeline.StepGraph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A SageMaker pipeline definition (Version 2020-12-01) as the runner reads it: its parameters,
 * and its steps through pipeline-spec's {@link StepGraph} (Condition branches flattened, in an
 * order that respects every dependency).
 */
public final class PipelineDefinition {

    static final String VERSION = "2020-12-01";

    private final JsonNode json;
    private final Map<String, PipelineParameter> parameters = new LinkedHashMap<>();
    private final StepGraph graph;
    private final List<StepGraph.Node> executionOrder;

    private PipelineDefinition(JsonNode json) {
        this.json = json;
        String version = json.path("Version").asText("");
        if (!version.equals(VERSION)) {
            throw new IllegalArgumentException("pipeline definition Version must be " + VERSION + ", got '" + version + "'");
        }
        for (JsonNode parameter : json.path("Parameters")) {
            PipelineParameter p = PipelineParameter.from(parameter);
            if (parameters.put(p.name(), p) != null) {
                throw new IllegalArgumentException("parameter " + p.name() + " is declared twice");
            }
        }
        JsonNode topLevel = json.path("Steps");
        if (!topLevel.isArray() || topLevel.isEmpty()) {
            throw new IllegalArgumentException("pipeline definition has no Steps");
        }
        graph = StepGraph.of(json);
        for (StepGraph.Node step : graph.nodes()) {
            if (step.name().isEmpty() || step.type().isEmpty()) {
                throw new IllegalArgumentException("step without Name or Type: " + Json.compact(step.json()));
            }
        }
        executionOrder = graph.executionOrder();
    }

    public static PipelineDefinition parse(JsonNode json) {
        return new PipelineDefinition(json);
    }

    public JsonNode json() {
        return json;
    }

    public Map<String, PipelineParameter> parameters() {
        return parameters;
    }

    public StepGraph.Node step(String name) {
        StepGraph.Node step = graph.node(name);
        if (step == null) {
            throw new IllegalArgumentException("the definition has no step named " + name);
        }
        return step;
    }

    boolean hasStep(String name) {
        return graph.node(name) != null;
    }

    /** All steps, each after every step it depends on; ties keep the definition's order. */
    public List<StepGraph.Node> executionOrder() {
        return executionOrder;
    }

    /** The steps {@code step} waits for (see {@link StepGraph#upstream}). */
    Set<String> upstream(StepGraph.Node step) {
        return graph.upstream(step.name());
    }
}
