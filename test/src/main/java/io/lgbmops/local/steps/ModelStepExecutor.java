package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.pipeline.StepGraph;
import software.amazon.awssdk.services.sagemaker.model.CreateModelRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateModelResponse;

/** A Model step (CreateModel): the model is created in the emulator under a generated name. */
public final class ModelStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) {
        ObjectNode arguments = context.arguments(step);
        CreateModelRequest request = SdkShapes.model(arguments);
        String modelName = request.modelName() != null ? request.modelName() : context.jobName(step.name(), 63);
        CreateModelResponse response = context.sageMaker().createModel(request.toBuilder().modelName(modelName).build());
        ObjectNode properties = arguments.deepCopy();
        properties.put("ModelName", modelName);
        properties.put("ModelArn", response.modelArn());
        return StepOutcome.succeeded(properties, "model " + modelName,
                Json.object().put("modelName", modelName).put("modelArn", response.modelArn()));
    }
}
