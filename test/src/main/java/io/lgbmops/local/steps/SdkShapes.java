package io.lgbmops.local.steps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.expressions.Json;
import software.amazon.awssdk.services.sagemaker.model.CreateHyperParameterTuningJobRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateModelPackageRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateModelRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateProcessingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.utils.builder.SdkBuilder;

/**
 * Reads a step's resolved Arguments as the SageMaker API request that SageMaker Pipelines sends for
 * it. The AWS SDK's own request model does the checking: a member the API does not know, or a
 * value of the wrong shape, fails the step as the real API call would.
 */
final class SdkShapes {

    private SdkShapes() {}

    static CreateProcessingJobRequest processingJob(JsonNode arguments) {
        return read(arguments, CreateProcessingJobRequest.serializableBuilderClass(), "CreateProcessingJob");
    }

    static CreateTrainingJobRequest trainingJob(JsonNode arguments) {
        return read(arguments, CreateTrainingJobRequest.serializableBuilderClass(), "CreateTrainingJob");
    }

    static CreateHyperParameterTuningJobRequest tuningJob(JsonNode arguments) {
        return read(arguments, CreateHyperParameterTuningJobRequest.serializableBuilderClass(),
                "CreateHyperParameterTuningJob");
    }

    static CreateModelRequest model(JsonNode arguments) {
        return read(arguments, CreateModelRequest.serializableBuilderClass(), "CreateModel");
    }

    static software.amazon.awssdk.services.sagemaker.model.CreateTransformJobRequest transformJob(JsonNode arguments) {
        return read(arguments, software.amazon.awssdk.services.sagemaker.model.CreateTransformJobRequest
                .serializableBuilderClass(), "CreateTransformJob");
    }

    static CreateModelPackageRequest modelPackage(JsonNode arguments) {
        return read(arguments, CreateModelPackageRequest.serializableBuilderClass(), "CreateModelPackage");
    }

    @SuppressWarnings("unchecked")
    private static <T> T read(JsonNode arguments, Class<?> builderClass, String operation) {
        try {
            Object builder = Json.SDK_SHAPES.treeToValue(arguments, builderClass);
            return (T) ((SdkBuilder<?, ?>) builder).build();
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            throw new IllegalArgumentException("the step's Arguments are not a valid " + operation + " request: "
                    + message.lines().findFirst().orElse(message) + " at " + pathOf(e));
        }
    }

    private static String pathOf(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping) {
            StringBuilder path = new StringBuilder();
            for (var reference : mapping.getPath()) {
                if (reference.getFieldName() != null) {
                    path.append('.').append(reference.getFieldName());
                } else if (reference.getIndex() >= 0) {
                    path.append('[').append(reference.getIndex()).append(']');
                }
            }
            return path.length() == 0 ? "Arguments" : "Arguments" + path;
        }
        return "Arguments";
    }
}
