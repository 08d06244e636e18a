package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One step of the definition as written, wherever it sits: top level or in a Condition step's
 * IfSteps/ElseSteps ({@link #branch}).
 */
record StepSpec(String name, String type, JsonNode json, Optional<Branch> branch) {

    /** The Condition step and the outcome under which a nested step runs. */
    record Branch(String conditionStep, boolean whenTrue) {
        @Override
        public String toString() {
            return conditionStep + (whenTrue ? ".IfSteps" : ".ElseSteps");
        }
    }

    JsonNode arguments() {
        return json.path("Arguments");
    }

    List<String> dependsOn() {
        List<String> names = new java.util.ArrayList<>();
        json.path("DependsOn").forEach(name -> names.add(name.asText()));
        return names;
    }

    /**
     * Every step this one waits for: its DependsOn, the steps whose properties it reads and the
     * Condition step whose branch holds it. A Condition step's nested steps are not its inputs.
     */
    Set<String> upstream() {
        Set<String> names = new LinkedHashSet<>(dependsOn());
        if (type.equals("Condition")) {
            names.addAll(ExpressionResolver.referencedSteps(arguments().path("Conditions")));
        } else {
            names.addAll(ExpressionResolver.referencedSteps(json));
        }
        branch.ifPresent(b -> names.add(b.conditionStep()));
        names.remove(name);
        return names;
    }
}
