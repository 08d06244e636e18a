package io.lgbmops.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Mermaid {@code flowchart TD} of a definition's steps, drawn from the definition itself: data
 * references and DependsOn as arrows (DependsOn dotted), condition branches as labelled arrows
 * into one subgraph per branch. An arrow that another path already implies is left out, so the
 * picture shows the order the steps run in without a thicket of edges.
 */
public final class PipelineGraph {

    private PipelineGraph() {}

    public static String mermaid(PipelineDefinition definition) {
        return mermaid(definition.toJsonNode());
    }

    public static String mermaid(JsonNode definition) {
        StepGraph graph = StepGraph.of(definition);
        StringBuilder out = new StringBuilder("flowchart TD\n");
        Map<StepGraph.Branch, List<StepGraph.Node>> branches = new LinkedHashMap<>();
        for (StepGraph.Node node : graph.nodes()) {
            if (node.scope().isEmpty()) {
                out.append("    ").append(shape(node)).append('\n');
            } else {
                branches.computeIfAbsent(node.scope().get(node.scope().size() - 1), key -> new ArrayList<>())
                        .add(node);
            }
        }
        // Mermaid subgraphs nest by declaration; our branches are one level deep, which is all we need.
        branches.forEach((branch, nodes) -> {
            out.append("    subgraph ").append(branch.condition()).append(branch.ifBranch() ? "_if" : "_else")
                    .append("[\"").append(branch.condition()).append(branch.ifBranch() ? ": if true" : ": else")
                    .append("\"]\n");
            nodes.forEach(node -> out.append("        ").append(shape(node)).append('\n'));
            out.append("    end\n");
        });
        for (StepGraph.Edge edge : reduced(graph.edges())) {
            out.append("    ").append(edge.from()).append(arrow(edge.kind())).append(edge.to()).append('\n');
        }
        return out.toString();
    }

    private static String shape(StepGraph.Node node) {
        String label = "\"" + node.name() + "<br/><small>" + node.type() + "</small>\"";
        return switch (node.type()) {
            case "Condition" -> node.name() + "{" + label + "}";
            case "Fail" -> node.name() + "[[" + label + "]]";
            default -> node.name() + "[" + label + "]";
        };
    }

    private static String arrow(StepGraph.EdgeKind kind) {
        return switch (kind) {
            case DATA -> " --> ";
            case DEPENDS_ON -> " -. depends on .-> ";
            case IF_BRANCH -> " -- if true --> ";
            case ELSE_BRANCH -> " -- else --> ";
        };
    }

    /**
     * One edge per ordered pair (branch label first, then data, then DependsOn), without the
     * edges implied by a longer path: the transitive reduction of the step order.
     */
    static List<StepGraph.Edge> reduced(List<StepGraph.Edge> edges) {
        Map<String, StepGraph.Edge> byPair = new LinkedHashMap<>();
        for (StepGraph.EdgeKind kind : List.of(StepGraph.EdgeKind.IF_BRANCH, StepGraph.EdgeKind.ELSE_BRANCH,
                StepGraph.EdgeKind.DATA, StepGraph.EdgeKind.DEPENDS_ON)) {
            for (StepGraph.Edge edge : edges) {
                if (edge.kind() == kind && !edge.from().equals(edge.to())) {
                    byPair.putIfAbsent(edge.from() + "\u0000" + edge.to(), edge);
                }
            }
        }
        List<StepGraph.Edge> unique = new ArrayList<>(byPair.values());
        List<StepGraph.Edge> kept = new ArrayList<>();
        for (StepGraph.Edge edge : unique) {
            if (!reachableWithout(unique, edge)) {
                kept.add(edge);
            }
        }
        return kept;
    }

    /** Whether {@code edge.to} is reachable from {@code edge.from} by a path avoiding the edge itself. */
    private static boolean reachableWithout(List<StepGraph.Edge> edges, StepGraph.Edge skipped) {
        Deque<String> pending = new ArrayDeque<>(List.of(skipped.from()));
        Set<String> seen = new HashSet<>();
        while (!pending.isEmpty()) {
            String current = pending.pop();
            for (StepGraph.Edge edge : edges) {
                if (edge == skipped || !edge.from().equals(current)) {
                    continue;
                }
                if (edge.to().equals(skipped.to())) {
                    return true;
                }
                if (seen.add(edge.to())) {
                    pending.push(edge.to());
                }
            }
        }
        return false;
    }
}
