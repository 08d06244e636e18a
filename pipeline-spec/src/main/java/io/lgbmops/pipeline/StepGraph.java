package io.lgbmops.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The steps of a definition's JSON, flattened out of condition branches, with every reference
 * each step makes. The validator, the graph picture and the local runner read definitions through
 * this, so they read any definition JSON, not only ours.
 */
public final class StepGraph {

    /** A step; {@code scope} lists the branches it is nested in, outermost first ("CheckF1 if"). */
    public record Node(String name, String type, JsonNode json, List<Branch> scope) {

        public JsonNode arguments() {
            return json.path("Arguments");
        }

        /** The innermost branch holding this step: the condition whose outcome decides whether it runs. */
        public Optional<Branch> branch() {
            return scope.isEmpty() ? Optional.empty() : Optional.of(scope.get(scope.size() - 1));
        }
    }

    /** One branch of a condition step. */
    public record Branch(String condition, boolean ifBranch) {
        @Override
        public String toString() {
            return condition + (ifBranch ? " (if)" : " (else)");
        }
    }

    /** {@code {"Get": path}} in step {@code from}; {@code jsonPath} is set when it is a Std:JsonGet's property file. */
    record Reference(String from, String path, String jsonPath) {
        boolean isJsonGet() {
            return jsonPath != null;
        }
    }

    enum EdgeKind { DATA, DEPENDS_ON, IF_BRANCH, ELSE_BRANCH }

    record Edge(String from, String to, EdgeKind kind) {}

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> byName = new LinkedHashMap<>();
    private final List<Reference> references = new ArrayList<>();
    private final List<String> parameters = new ArrayList<>();

    private StepGraph() {}

    public static StepGraph of(JsonNode definition) {
        StepGraph graph = new StepGraph();
        for (JsonNode parameter : definition.path("Parameters")) {
            graph.parameters.add(parameter.path("Name").asText());
        }
        graph.addSteps(definition.path("Steps"), List.of());
        return graph;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** The first step of that name (names are meant to be unique; the validator says when not). */
    public Node node(String name) {
        return byName.get(name);
    }

    List<Reference> references() {
        return references;
    }

    public List<String> parameters() {
        return parameters;
    }

    /** The step a {@code Steps.<name>...} path names, or null for other paths. */
    static String stepNameOf(String path) {
        if (!path.startsWith("Steps.")) {
            return null;
        }
        int dot = path.indexOf('.', "Steps.".length());
        return dot < 0 ? path.substring("Steps.".length()) : path.substring("Steps.".length(), dot);
    }

    /** What follows {@code Steps.<name>.} in a path: the property. */
    static String propertyOf(String path) {
        String step = stepNameOf(path);
        int start = "Steps.".length() + step.length() + 1;
        return start > path.length() ? "" : path.substring(start);
    }

    /**
     * Every direct ordering between steps that the definition states: data references, DependsOn,
     * and each condition to the steps of its branches. References to unknown steps are left out.
     */
    List<Edge> edges() {
        List<Edge> edges = new ArrayList<>();
        for (Reference reference : references) {
            String source = stepNameOf(reference.path());
            if (source != null && byName.containsKey(source)) {
                edges.add(new Edge(source, reference.from(), EdgeKind.DATA));
            }
        }
        for (Node node : nodes) {
            for (JsonNode dependency : node.json().path("DependsOn")) {
                if (byName.containsKey(dependency.asText())) {
                    edges.add(new Edge(dependency.asText(), node.name(), EdgeKind.DEPENDS_ON));
                }
            }
            node.branch().ifPresent(branch -> edges.add(new Edge(branch.condition(), node.name(),
                    branch.ifBranch() ? EdgeKind.IF_BRANCH : EdgeKind.ELSE_BRANCH)));
        }
        return edges;
    }

    /**
     * Every step {@code step} waits for: its DependsOn, the steps whose properties or property
     * files it reads, and the condition whose branch holds it. A condition's branch steps are not
     * its inputs. Names may be of steps the definition lacks; {@link #executionOrder} refuses those.
     */
    public Set<String> upstream(String step) {
        Node node = byName.get(step);
        if (node == null) {
            throw new IllegalArgumentException("the definition has no step named " + step);
        }
        Set<String> names = new LinkedHashSet<>();
        node.json().path("DependsOn").forEach(name -> names.add(name.asText()));
        for (Reference reference : references) {
            String source = stepNameOf(reference.path());
            if (reference.from().equals(step) && source != null) {
                names.add(source);
            }
        }
        node.branch().ifPresent(branch -> names.add(branch.condition()));
        names.remove(step);
        return names;
    }

    /**
     * All steps, each after every step it waits for ({@link #upstream}); ties keep the definition's
     * order. A definition that cannot run in any order (a name used twice, a step waiting for an
     * unknown step, a cycle) is refused naming the steps.
     */
    public List<Node> executionOrder() {
        Map<String, Integer> position = new HashMap<>();
        for (Node node : nodes) {
            if (position.putIfAbsent(node.name(), position.size()) != null) {
                throw new IllegalArgumentException("step name " + node.name() + " is used twice");
            }
        }
        Map<String, Integer> waitingFor = new LinkedHashMap<>();
        Map<String, List<String>> downstream = new HashMap<>();
        for (Node node : nodes) {
            Set<String> upstream = upstream(node.name());
            for (String dependency : upstream) {
                if (!byName.containsKey(dependency)) {
                    throw new IllegalArgumentException("step " + node.name() + " depends on unknown step " + dependency);
                }
                downstream.computeIfAbsent(dependency, k -> new ArrayList<>()).add(node.name());
            }
            waitingFor.put(node.name(), upstream.size());
        }
        PriorityQueue<String> ready = new PriorityQueue<>((a, b) -> Integer.compare(position.get(a), position.get(b)));
        waitingFor.forEach((name, count) -> {
            if (count == 0) {
                ready.add(name);
            }
        });
        List<Node> ordered = new ArrayList<>();
        while (!ready.isEmpty()) {
            String name = ready.poll();
            ordered.add(byName.get(name));
            for (String next : downstream.getOrDefault(name, List.of())) {
                if (waitingFor.merge(next, -1, Integer::sum) == 0) {
                    ready.add(next);
                }
            }
        }
        if (ordered.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            waitingFor.forEach((name, count) -> {
                if (count > 0) {
                    stuck.add(name);
                }
            });
            throw new IllegalArgumentException("the steps' dependencies form a cycle among " + stuck);
        }
        return List.copyOf(ordered);
    }

    private void addSteps(JsonNode steps, List<Branch> scope) {
        for (JsonNode step : steps) {
            String name = step.path("Name").asText();
            String type = step.path("Type").asText();
            Node node = new Node(name, type, step, scope);
            nodes.add(node);
            byName.putIfAbsent(name, node);
            collectReferences(name, step, "Condition".equals(type));
            if ("Condition".equals(type)) {
                addSteps(step.path("Arguments").path("IfSteps"), extend(scope, new Branch(name, true)));
                addSteps(step.path("Arguments").path("ElseSteps"), extend(scope, new Branch(name, false)));
            }
        }
    }

    private static List<Branch> extend(List<Branch> scope, Branch branch) {
        List<Branch> extended = new ArrayList<>(scope);
        extended.add(branch);
        return List.copyOf(extended);
    }

    /** A condition's own references are in its conditions; its branch steps speak for themselves. */
    private void collectReferences(String stepName, JsonNode step, boolean isCondition) {
        for (Map.Entry<String, JsonNode> field : step.properties()) {
            if (isCondition && field.getKey().equals("Arguments")) {
                walk(stepName, field.getValue().path("Conditions"));
            } else if (!field.getKey().equals("DependsOn")) {
                walk(stepName, field.getValue());
            }
        }
    }

    private void walk(String stepName, JsonNode value) {
        if (value.isObject()) {
            if (value.size() == 1 && value.has("Get") && value.get("Get").isTextual()) {
                references.add(new Reference(stepName, value.get("Get").asText(), null));
                return;
            }
            JsonNode jsonGet = value.get("Std:JsonGet");
            if (value.size() == 1 && jsonGet != null && jsonGet.has("S3Uri")) {
                // JsonGet(s3_uri=...): reads a JSON object at a computed URI; only the URI refers.
                walk(stepName, jsonGet.get("S3Uri"));
                return;
            }
            if (value.size() == 1 && jsonGet != null) {
                JsonNode file = jsonGet.path("PropertyFile");
                String path = file.isTextual() ? file.asText() : file.path("Get").asText();
                references.add(new Reference(stepName, path, jsonGet.path("Path").asText()));
                return;
            }
            value.elements().forEachRemaining(child -> walk(stepName, child));
        } else if (value.isArray()) {
            value.elements().forEachRemaining(child -> walk(stepName, child));
        }
    }
}
