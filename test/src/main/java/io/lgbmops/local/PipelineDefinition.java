package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A SageMaker pipeline definition (Version 2020-12-01): its parameters and its steps, nested
 * Condition branches flattened, in an order that respects every dependency.
 */
final class PipelineDefinition {

    static final String VERSION = "2020-12-01";

    private final JsonNode json;
    private final Map<String, PipelineParameter> parameters = new LinkedHashMap<>();
    private final Map<String, StepSpec> steps = new LinkedHashMap<>();
    private final List<StepSpec> executionOrder;

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
        collect(topLevel, Optional.empty());
        executionOrder = order();
    }

    static PipelineDefinition parse(JsonNode json) {
        return new PipelineDefinition(json);
    }

    JsonNode json() {
        return json;
    }

    Map<String, PipelineParameter> parameters() {
        return parameters;
    }

    StepSpec step(String name) {
        StepSpec step = steps.get(name);
        if (step == null) {
            throw new IllegalArgumentException("the definition has no step named " + name);
        }
        return step;
    }

    boolean hasStep(String name) {
        return steps.containsKey(name);
    }

    /** All steps, each after every step it depends on; ties keep the definition's order. */
    List<StepSpec> executionOrder() {
        return executionOrder;
    }

    private void collect(JsonNode list, Optional<StepSpec.Branch> branch) {
        for (JsonNode step : list) {
            String name = step.path("Name").asText("");
            String type = step.path("Type").asText("");
            if (name.isEmpty() || type.isEmpty()) {
                throw new IllegalArgumentException("step without Name or Type: " + Json.compact(step));
            }
            if (steps.put(name, new StepSpec(name, type, step, branch)) != null) {
                throw new IllegalArgumentException("step name " + name + " is used twice");
            }
            if (type.equals("Condition")) {
                collect(step.path("Arguments").path("IfSteps"), Optional.of(new StepSpec.Branch(name, true)));
                collect(step.path("Arguments").path("ElseSteps"), Optional.of(new StepSpec.Branch(name, false)));
            }
        }
    }

    private List<StepSpec> order() {
        Map<String, Integer> position = new HashMap<>();
        List<String> names = new ArrayList<>(steps.keySet());
        for (int i = 0; i < names.size(); i++) {
            position.put(names.get(i), i);
        }
        Map<String, Integer> waitingFor = new HashMap<>();
        Map<String, List<String>> downstream = new HashMap<>();
        for (StepSpec step : steps.values()) {
            Set<String> upstream = step.upstream();
            for (String dependency : upstream) {
                if (!steps.containsKey(dependency)) {
                    throw new IllegalArgumentException("step " + step.name() + " depends on unknown step " + dependency);
                }
                downstream.computeIfAbsent(dependency, k -> new ArrayList<>()).add(step.name());
            }
            waitingFor.put(step.name(), upstream.size());
        }
        PriorityQueue<String> ready = new PriorityQueue<>((a, b) -> Integer.compare(position.get(a), position.get(b)));
        waitingFor.forEach((name, count) -> {
            if (count == 0) {
                ready.add(name);
            }
        });
        List<StepSpec> ordered = new ArrayList<>();
        while (!ready.isEmpty()) {
            String name = ready.poll();
            ordered.add(steps.get(name));
            for (String next : downstream.getOrDefault(name, List.of())) {
                if (waitingFor.merge(next, -1, Integer::sum) == 0) {
                    ready.add(next);
                }
            }
        }
        if (ordered.size() != steps.size()) {
            Deque<String> stuck = new ArrayDeque<>();
            waitingFor.forEach((name, count) -> {
                if (count > 0) {
                    stuck.add(name);
                }
            });
            throw new IllegalArgumentException("the steps' dependencies form a cycle among " + stuck);
        }
        return List.copyOf(ordered);
    }
}
