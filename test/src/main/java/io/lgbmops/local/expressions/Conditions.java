package io.lgbmops.local.expressions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates the conditions of a Condition step the way SageMaker does: the step's outcome is true
 * when every condition in its list holds. Supports the comparison types and {@code In}, {@code Not}
 * and {@code Or}.
 */
public final class Conditions {

    /** The outcome and a readable account of it, e.g. {@code 0.7123 >= 0.5}. */
    public record Outcome(boolean holds, String explanation) {}

    private final ExpressionResolver resolver;

    public Conditions(ExpressionResolver resolver) {
        this.resolver = resolver;
    }

    public Outcome all(JsonNode conditions) {
        if (conditions == null || !conditions.isArray() || conditions.isEmpty()) {
            throw new IllegalArgumentException("a Condition step needs a non-empty Conditions list");
        }
        boolean holds = true;
        List<String> parts = new ArrayList<>();
        for (JsonNode condition : conditions) {
            Outcome outcome = evaluate(condition);
            holds &= outcome.holds();
            parts.add(outcome.explanation());
        }
        return new Outcome(holds, String.join(" and ", parts));
    }

    Outcome evaluate(JsonNode condition) {
        String type = condition.path("Type").asText("");
        return switch (type) {
            case "Equals", "GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo" -> compare(type, condition);
            case "In" -> in(condition);
            case "Not" -> {
                Outcome inner = evaluate(required(condition, "Expression"));
                yield new Outcome(!inner.holds(), "not (" + inner.explanation() + ")");
            }
            case "Or" -> {
                boolean any = false;
                List<String> parts = new ArrayList<>();
                for (JsonNode inner : required(condition, "Conditions")) {
                    Outcome outcome = evaluate(inner);
                    any |= outcome.holds();
                    parts.add(outcome.explanation());
                }
                yield new Outcome(any, "(" + String.join(" or ", parts) + ")");
            }
            default -> throw new IllegalArgumentException("unsupported condition type '" + type + "' in " + condition);
        };
    }

    private Outcome compare(String type, JsonNode condition) {
        JsonNode left = resolver.resolve(required(condition, "LeftValue"));
        JsonNode right = resolver.resolve(required(condition, "RightValue"));
        String symbol = switch (type) {
            case "Equals" -> "==";
            case "GreaterThan" -> ">";
            case "GreaterThanOrEqualTo" -> ">=";
            case "LessThan" -> "<";
            default -> "<=";
        };
        String explanation = Json.text(left) + " " + symbol + " " + Json.text(right);
        if (type.equals("Equals")) {
            return new Outcome(equal(left, right), explanation);
        }
        int order = Double.compare(number(left, condition), number(right, condition));
        boolean holds = switch (type) {
            case "GreaterThan" -> order > 0;
            case "GreaterThanOrEqualTo" -> order >= 0;
            case "LessThan" -> order < 0;
            default -> order <= 0;
        };
        return new Outcome(holds, explanation);
    }

    private Outcome in(JsonNode condition) {
        JsonNode query = resolver.resolve(required(condition, "QueryValue"));
        List<String> shown = new ArrayList<>();
        boolean found = false;
        for (JsonNode candidate : required(condition, "Values")) {
            JsonNode value = resolver.resolve(candidate);
            shown.add(Json.text(value));
            found |= equal(query, value);
        }
        return new Outcome(found, Json.text(query) + " in " + shown);
    }

    private static boolean equal(JsonNode left, JsonNode right) {
        if (left.isNumber() && right.isNumber()) {
            return Double.compare(left.asDouble(), right.asDouble()) == 0;
        }
        return Json.text(left).equals(Json.text(right));
    }

    private static double number(JsonNode value, JsonNode condition) {
        if (value.isNumber()) {
            return value.asDouble();
        }
        if (value.isTextual()) {
            try {
                return Double.parseDouble(value.asText());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("condition compares a non-number '" + Json.text(value) + "' in " + condition);
    }

    private static JsonNode required(JsonNode condition, String member) {
        JsonNode value = condition.get(member);
        if (value == null) {
            throw new IllegalArgumentException("condition lacks " + member + ": " + condition);
        }
        return value;
    }
}
