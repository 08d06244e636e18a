package io.lgbmops.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the integrity of a pipeline definition before SageMaker sees it: what JSON schema cannot
 * say. Every {@code Get} names a declared parameter, a known execution variable, or a step that
 * exists, is visible from where it is used (not in another condition branch), and has the
 * property named; every {@code Std:JsonGet} names a property file its step declares; names are
 * unique and valid; the steps form no cycle. Each message starts with the step it is about.
 *
 * <p>Runs in this module's tests and can be called by the CDK app at synth time.
 */
public final class PipelineValidator {

    /** The execution variables SageMaker resolves ({@code Get: Execution.X}). */
    static final Set<String> EXECUTION_VARIABLES = Set.of("PipelineExecutionId", "PipelineExecutionArn",
            "PipelineName", "PipelineArn", "CurrentDateTime", "StartDateTime", "TrainingJobName",
            "ProcessingJobName");

    private PipelineValidator() {}

    /** Throws {@link PipelineValidationException} listing every problem, if there is any. */
    public static void validate(PipelineDefinition definition) {
        validate(definition.toJsonNode());
    }

    public static void validate(JsonNode definition) {
        List<String> problems = problems(definition);
        if (!problems.isEmpty()) {
            throw new PipelineValidationException(problems);
        }
    }

    public static List<String> problems(PipelineDefinition definition) {
        return problems(definition.toJsonNode());
    }

    public static List<String> problems(JsonNode definition) {
        StepGraph graph = StepGraph.of(definition);
        List<String> problems = new ArrayList<>();
        checkNames(graph, problems);
        checkPropertyFileDeclarations(graph, problems);
        for (StepGraph.Reference reference : graph.references()) {
            checkReference(graph, reference).ifPresent(problems::add);
        }
        checkDependsOn(graph, problems);
        checkCycles(graph, problems);
        return List.copyOf(new LinkedHashSet<>(problems));
    }

    private static void checkNames(StepGraph graph, List<String> problems) {
        Map<String, Integer> stepCounts = new LinkedHashMap<>();
        for (StepGraph.Node node : graph.nodes()) {
            stepCounts.merge(node.name(), 1, Integer::sum);
            if (!StepNames.VALID.matcher(node.name()).matches()) {
                problems.add("step " + node.name() + ": name must match " + StepNames.VALID.pattern());
            }
            if (!StepProperties.knowsType(node.type())) {
                problems.add("step " + node.name() + ": unknown step type " + node.type());
            }
        }
        stepCounts.forEach((name, count) -> {
            if (count > 1) {
                problems.add("step " + name + ": name is used by " + count + " steps; step names must be unique");
            }
        });
        Map<String, Integer> parameterCounts = new LinkedHashMap<>();
        graph.parameters().forEach(name -> parameterCounts.merge(name, 1, Integer::sum));
        parameterCounts.forEach((name, count) -> {
            if (!StepNames.VALID.matcher(name).matches()) {
                problems.add("parameter " + name + ": name must match " + StepNames.VALID.pattern());
            }
            if (count > 1) {
                problems.add("parameter " + name + ": declared " + count + " times");
            }
        });
    }

    private static void checkPropertyFileDeclarations(StepGraph graph, List<String> problems) {
        for (StepGraph.Node node : graph.nodes()) {
            JsonNode files = node.json().path("PropertyFiles");
            if (files.isMissingNode()) {
                continue;
            }
            if (!"Processing".equals(node.type())) {
                problems.add("step " + node.name() + ": only Processing steps can declare property files");
                continue;
            }
            List<String> outputs = outputNames(node);
            for (JsonNode file : files) {
                String output = file.path("OutputName").asText();
                if (!outputs.contains(output)) {
                    problems.add("step " + node.name() + ": property file " + file.path("PropertyFileName").asText()
                            + " reads output '" + output + "', which the step does not declare (declared: "
                            + outputs + ")");
                }
            }
        }
    }

    private static Optional<String> checkReference(StepGraph graph, StepGraph.Reference reference) {
        String path = reference.path();
        String where = "step " + reference.from() + ": " + (reference.isJsonGet() ? "Std:JsonGet " : "Get ") + path;
        if (path.startsWith("Parameters.")) {
            String name = path.substring("Parameters.".length());
            return graph.parameters().contains(name) && !reference.isJsonGet()
                    ? Optional.empty()
                    : Optional.of(where + " names no declared parameter");
        }
        if (path.startsWith("Execution.")) {
            return EXECUTION_VARIABLES.contains(path.substring("Execution.".length())) && !reference.isJsonGet()
                    ? Optional.empty()
                    : Optional.of(where + " names no execution variable (known: "
                            + String.join(", ", EXECUTION_VARIABLES.stream().sorted().toList()) + ")");
        }
        String stepName = StepGraph.stepNameOf(path);
        if (stepName == null) {
            return Optional.of(where + " is neither Parameters.*, Execution.* nor Steps.*");
        }
        StepGraph.Node target = graph.node(stepName);
        if (target == null) {
            return Optional.of(where + " names no step");
        }
        Optional<String> visibility = visibility(graph.node(reference.from()), target);
        if (visibility.isPresent()) {
            return Optional.of(where + " " + visibility.get());
        }
        String property = StepGraph.propertyOf(path);
        if (reference.isJsonGet()) {
            return propertyFileProblem(target, property, reference.jsonPath()).map(problem -> where + " " + problem);
        }
        if (property.startsWith("PropertyFiles.")) {
            return Optional.of(where + " reads a property file directly; use Std:JsonGet");
        }
        return StepProperties.problem(target, property).map(problem -> where + " " + problem);
    }

    /**
     * A step can use what runs before it: anything outside condition branches, and branch steps of
     * a branch it is itself in. A step in the other branch, or in a branch the user is outside of,
     * may never run.
     */
    private static Optional<String> visibility(StepGraph.Node user, StepGraph.Node target) {
        List<StepGraph.Branch> userScope = user.scope();
        List<StepGraph.Branch> targetScope = target.scope();
        boolean nested = targetScope.size() <= userScope.size()
                && userScope.subList(0, targetScope.size()).equals(targetScope);
        if (nested) {
            return Optional.empty();
        }
        return Optional.of("names step " + target.name() + ", which runs only in branch "
                + targetScope.get(targetScope.size() - 1) + " and so may not have run");
    }

    private static Optional<String> propertyFileProblem(StepGraph.Node target, String property, String jsonPath) {
        if (!property.startsWith("PropertyFiles.")) {
            return Optional.of("is not a Steps.<step>.PropertyFiles.<name> reference");
        }
        String file = property.substring("PropertyFiles.".length());
        List<String> declared = new ArrayList<>();
        for (JsonNode declaration : target.json().path("PropertyFiles")) {
            declared.add(declaration.path("PropertyFileName").asText());
        }
        if (!declared.contains(file)) {
            return Optional.of("names property file " + file + ", which step " + target.name()
                    + " does not declare (declared: " + declared + ")");
        }
        if (jsonPath.isBlank()) {
            return Optional.of("has an empty Path");
        }
        return Optional.empty();
    }

    private static void checkDependsOn(StepGraph graph, List<String> problems) {
        for (StepGraph.Node node : graph.nodes()) {
            for (JsonNode dependency : node.json().path("DependsOn")) {
                StepGraph.Node target = graph.node(dependency.asText());
                if (target == null) {
                    problems.add("step " + node.name() + ": DependsOn names no step " + dependency.asText());
                } else {
                    visibility(node, target).ifPresent(problem ->
                            problems.add("step " + node.name() + ": DependsOn " + problem));
                }
            }
        }
    }

    /**
     * Depth-first search over every stated ordering; reports each cycle once, from its first step.
     * Steps whose name is taken twice are left out: which of them an edge means is ambiguous, and
     * the duplicate is already reported.
     */
    private static void checkCycles(StepGraph graph, List<String> problems) {
        Set<String> names = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        graph.nodes().forEach(node -> {
            if (!names.add(node.name())) {
                duplicated.add(node.name());
            }
        });
        Map<String, List<String>> next = new LinkedHashMap<>();
        for (StepGraph.Edge edge : graph.edges()) {
            if (!duplicated.contains(edge.from()) && !duplicated.contains(edge.to())) {
                next.computeIfAbsent(edge.from(), key -> new ArrayList<>()).add(edge.to());
            }
        }
        Map<String, Integer> state = new HashMap<>(); // absent: unseen, 1: on the path, 2: done
        Set<String> reported = new HashSet<>();
        for (StepGraph.Node node : graph.nodes()) {
            visit(node.name(), next, state, new ArrayList<>(), problems, reported);
        }
    }

    private static void visit(String name, Map<String, List<String>> next, Map<String, Integer> state,
            List<String> path, List<String> problems, Set<String> reported) {
        Integer seen = state.get(name);
        if (seen != null) {
            if (seen == 1) {
                List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
                cycle.add(name);
                if (reported.add(String.join(",", new TreeSet<>(cycle)))) {
                    problems.add("step " + name + ": steps " + String.join(" -> ", cycle)
                            + " form a cycle, so none of them can start");
                }
            }
            return;
        }
        state.put(name, 1);
        path.add(name);
        for (String successor : next.getOrDefault(name, List.of())) {
            visit(successor, next, state, path, problems, reported);
        }
        path.remove(path.size() - 1);
        state.put(name, 2);
    }

    private static List<String> outputNames(StepGraph.Node node) {
        List<String> outputs = new ArrayList<>();
        for (JsonNode output : node.json().path("Arguments").path("ProcessingOutputConfig").path("Outputs")) {
            outputs.add(output.path("OutputName").asText());
        }
        return outputs;
    }
}
