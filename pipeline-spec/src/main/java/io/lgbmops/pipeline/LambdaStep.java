package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/** Invokes a Lambda function with {@code arguments} as its event and reads keys of its result. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "FunctionArn", "Arguments", "OutputParameters"})
public record LambdaStep(
        @JsonProperty("Name") String name,
        @JsonProperty("Description") String description,
        @JsonProperty("DependsOn") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> dependsOn,
        @JsonProperty("FunctionArn") String functionArn,
        @JsonProperty("Arguments") Map<String, Value> arguments,
        @JsonProperty("OutputParameters") List<LambdaOutput> outputParameters) implements Step {

    public LambdaStep {
        StepNames.requireValid("step", name);
        dependsOn = List.copyOf(dependsOn);
        arguments = Map.copyOf(arguments);
        outputParameters = List.copyOf(outputParameters);
    }

    @JsonProperty("Type")
    @Override
    public String type() {
        return "Lambda";
    }

    public Get output(String outputName) {
        if (outputParameters.stream().noneMatch(output -> output.name().equals(outputName))) {
            throw new IllegalArgumentException("step " + name + " declares no output parameter " + outputName);
        }
        return Get.step(name, "OutputParameters['" + outputName + "']");
    }
}
