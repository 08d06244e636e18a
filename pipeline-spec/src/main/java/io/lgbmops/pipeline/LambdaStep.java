package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/** Invokes a Lambda function with {@code arguments} as its event and reads keys of its result. */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "FunctionArn", "Arguments", "OutputParameters"})
public record LambdaStep(
        String name, String description, List<String> dependsOn,
        @JsonProperty("FunctionArn") String functionArn,
        Map<String, Value> arguments,
        @JsonProperty("OutputParameters") List<LambdaOutput> outputParameters) implements Step {

    public LambdaStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
        arguments = Map.copyOf(arguments);
        outputParameters = List.copyOf(outputParameters);
    }

    public Get output(String outputName) {
        if (outputParameters.stream().noneMatch(output -> output.name().equals(outputName))) {
            throw new IllegalArgumentException("step " + name + " declares no output parameter " + outputName);
        }
        return Get.step(name, "OutputParameters['" + outputName + "']");
    }
}
