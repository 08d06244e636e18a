package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A SageMaker Model Building Pipeline definition, format version {@value #VERSION}: the JSON a
 * CreatePipeline call (or {@code AWS::SageMaker::Pipeline}'s PipelineDefinitionBody) takes.
 */
@JsonPropertyOrder({"Version", "Metadata", "Parameters", "Steps"})
public record PipelineDefinition(
        @JsonProperty("Parameters") List<Parameter> parameters,
        @JsonProperty("Steps") List<Step> steps) {

    public static final String VERSION = "2020-12-01";

    public PipelineDefinition {
        parameters = List.copyOf(parameters);
        steps = List.copyOf(steps);
    }

    @JsonProperty("Version")
    public String version() {
        return VERSION;
    }

    @JsonProperty("Metadata")
    public Map<String, String> metadata() {
        return Map.of();
    }

    /** Every step, including those nested in condition branches, in definition order. */
    @JsonIgnore
    public List<Step> allSteps() {
        List<Step> all = new ArrayList<>();
        collect(steps, all);
        return List.copyOf(all);
    }

    public Optional<Step> step(String name) {
        return allSteps().stream().filter(step -> step.name().equals(name)).findFirst();
    }

    public Optional<Parameter> parameter(String name) {
        return parameters.stream().filter(parameter -> parameter.name().equals(name)).findFirst();
    }

    /** The definition as pretty, deterministic JSON. */
    public String toJson() {
        return PipelineJson.write(this);
    }

    /** The same definition on one line (about a third smaller): for the CloudFormation template. */
    public String toCompactJson() {
        return PipelineJson.writeCompact(this);
    }

    public JsonNode toJsonNode() {
        return PipelineJson.toTree(this);
    }

    private static void collect(List<Step> steps, List<Step> into) {
        for (Step step : steps) {
            into.add(step);
            if (step instanceof ConditionStep condition) {
                collect(condition.arguments().ifSteps(), into);
                collect(condition.arguments().elseSteps(), into);
            }
        }
    }
}
