package io.lgbmops.local.expressions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Replaces the pipeline expressions in a JSON value by their values at run time, as SageMaker does
 * before it calls the API of a step: {@code {"Get": "Parameters.X" | "Execution.X" | "Steps.S.path"}},
 * {@code {"Std:Join": {"On": sep, "Values": [...]}}} and
 * {@code {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.S.PropertyFiles.F"} | "S3Uri": uri, "Path": p}}}.
 * Expressions nest; everything else is copied as it is.
 */
public final class ExpressionResolver {

    /** Where the values behind the expressions come from. */
    public interface Scope {
        /** The value of a pipeline parameter (default or override), or null if undeclared. */
        JsonNode parameter(String name);

        /** {@code Execution.PipelineExecutionId} and friends, or null if unknown. */
        JsonNode executionVariable(String name);

        /** The properties of an executed step. Throws if the step has not succeeded. */
        JsonNode stepProperties(String stepName);

        /** The parsed content of a step's property file. Throws if there is none. */
        JsonNode propertyFile(String stepName, String propertyFileName);

        /** The parsed JSON object stored at an S3 URI. */
        JsonNode jsonAt(String s3Uri);
    }

    private static final String STEPS = "Steps.";
    private static final String PARAMETERS = "Parameters.";
    private static final String EXECUTION = "Execution.";

    private final Scope scope;

    public ExpressionResolver(Scope scope) {
        this.scope = scope;
    }

    public JsonNode resolve(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            if (node.size() == 1) {
                if (node.has("Get")) {
                    return get(node.get("Get"));
                }
                if (node.has("Std:Join")) {
                    return join(node.get("Std:Join"));
                }
                if (node.has("Std:JsonGet")) {
                    return jsonGet(node.get("Std:JsonGet"));
                }
            }
            ObjectNode copy = Json.object();
            node.properties().forEach(field -> copy.set(field.getKey(), resolve(field.getValue())));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = Json.array();
            node.forEach(element -> copy.add(resolve(element)));
            return copy;
        }
        return node;
    }

    /** Resolves {@code node} and renders it as text, as a string-typed API member receives it. */
    public String resolveText(JsonNode node) {
        return Json.text(resolve(node));
    }

    private JsonNode get(JsonNode reference) {
        if (!reference.isTextual()) {
            throw new IllegalArgumentException("Get must name a value, got " + reference);
        }
        String ref = reference.asText();
        if (ref.startsWith(PARAMETERS)) {
            String name = ref.substring(PARAMETERS.length());
            JsonNode value = scope.parameter(name);
            if (value == null) {
                throw new IllegalArgumentException("Get " + ref + ": no parameter named " + name);
            }
            return value;
        }
        if (ref.startsWith(EXECUTION)) {
            String name = ref.substring(EXECUTION.length());
            JsonNode value = scope.executionVariable(name);
            if (value == null) {
                throw new IllegalArgumentException("Get " + ref + ": unknown execution variable");
            }
            return value;
        }
        if (ref.startsWith(STEPS)) {
            StepReference step = StepReference.parse(ref);
            if (step.path().isEmpty()) {
                throw new IllegalArgumentException("Get " + ref + ": names a step but no property");
            }
            return Json.at(scope.stepProperties(step.stepName()), step.path(), "Steps." + step.stepName());
        }
        throw new IllegalArgumentException("Get " + ref + ": must start with Parameters., Execution. or Steps.");
    }

    private JsonNode join(JsonNode body) {
        JsonNode values = body.get("Values");
        if (values == null || !values.isArray()) {
            throw new IllegalArgumentException("Std:Join needs a Values list, got " + body);
        }
        JsonNode on = body.get("On");
        String separator = on == null ? "" : Json.text(resolve(on));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(separator);
            }
            JsonNode value = resolve(values.get(i));
            if (value.isContainerNode()) {
                throw new IllegalArgumentException("Std:Join value " + i + " is not a scalar: " + value);
            }
            out.append(Json.text(value));
        }
        return Json.nodes().textNode(out.toString());
    }

    private JsonNode jsonGet(JsonNode body) {
        JsonNode path = body.get("Path");
        if (path == null) {
            throw new IllegalArgumentException("Std:JsonGet needs a Path, got " + body);
        }
        PropertyPath jsonPath = PropertyPath.parse(Json.text(resolve(path)));
        JsonNode document;
        String source;
        if (body.has("PropertyFile")) {
            JsonNode propertyFile = body.get("PropertyFile");
            if (!propertyFile.isObject() || !propertyFile.has("Get")) {
                throw new IllegalArgumentException(
                        "Std:JsonGet PropertyFile must be {\"Get\": \"Steps.S.PropertyFiles.F\"}, got " + propertyFile);
            }
            StepReference ref = StepReference.parse(propertyFile.get("Get").asText());
            if (ref.path().segments().size() != 2
                    || !(ref.path().first() instanceof PropertyPath.Field field && field.name().equals("PropertyFiles"))) {
                throw new IllegalArgumentException("Std:JsonGet PropertyFile must reference Steps.S.PropertyFiles.F, got "
                        + propertyFile.get("Get").asText());
            }
            String fileName = ((PropertyPath.Field) ref.path().segments().get(1)).name();
            document = scope.propertyFile(ref.stepName(), fileName);
            source = "property file " + ref.stepName() + "." + fileName;
        } else if (body.has("S3Uri")) {
            String uri = resolveText(body.get("S3Uri"));
            document = scope.jsonAt(uri);
            source = uri;
        } else {
            throw new IllegalArgumentException("Std:JsonGet needs a PropertyFile or an S3Uri, got " + body);
        }
        return Json.at(document, jsonPath, source + " at ");
    }

    /** {@code Steps.<name>.<path>}; step names hold no dots. */
    record StepReference(String stepName, PropertyPath path) {
        static StepReference parse(String ref) {
            if (!ref.startsWith(STEPS)) {
                throw new IllegalArgumentException("not a step reference: " + ref);
            }
            String rest = ref.substring(STEPS.length());
            int end = 0;
            while (end < rest.length() && rest.charAt(end) != '.' && rest.charAt(end) != '[') {
                end++;
            }
            if (end == 0) {
                throw new IllegalArgumentException("step reference without a step name: " + ref);
            }
            String name = rest.substring(0, end);
            String path = rest.substring(end);
            if (path.startsWith(".")) {
                path = path.substring(1);
            }
            return new StepReference(name, path.isEmpty() ? new PropertyPath(java.util.List.of()) : PropertyPath.parse(path));
        }
    }
}
