package io.lgbmops.local.expressions;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.RunnerOptions;
import io.lgbmops.local.execution.PipelineDefinition;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** The values of the pipeline parameters for one execution: defaults, then command-line overrides. */
public final class Parameters {

    private Parameters() {}

    public static Map<String, JsonNode> resolve(PipelineDefinition definition, Map<String, String> overrides) {
        Map<String, PipelineParameter> declared = definition.parameters();
        for (String name : overrides.keySet()) {
            if (!declared.containsKey(name)) {
                throw new RunnerOptions.UsageException("--param " + name + ": the definition declares no such parameter; it has "
                        + new TreeSet<>(declared.keySet()));
            }
        }
        Map<String, JsonNode> values = new LinkedHashMap<>();
        for (PipelineParameter parameter : declared.values()) {
            String override = overrides.get(parameter.name());
            if (override != null) {
                try {
                    values.put(parameter.name(), parameter.parse(override));
                } catch (IllegalArgumentException e) {
                    throw new RunnerOptions.UsageException("--param " + e.getMessage());
                }
            } else if (parameter.defaultValue() != null) {
                values.put(parameter.name(), parameter.defaultValue());
            } else {
                throw new RunnerOptions.UsageException("parameter " + parameter.name() + " has no default; pass --param "
                        + parameter.name() + "=VALUE");
            }
        }
        return values;
    }
}
