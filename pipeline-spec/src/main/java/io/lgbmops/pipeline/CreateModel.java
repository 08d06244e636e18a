package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The arguments of a Model step: a CreateModel request without its model name.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html">CreateModel</a>
 */
public final class CreateModel {

    private CreateModel() {}

    @JsonPropertyOrder({"ExecutionRoleArn", "PrimaryContainer", "EnableNetworkIsolation"})
    public record Arguments(
            @JsonProperty("ExecutionRoleArn") Value executionRoleArn,
            @JsonProperty("PrimaryContainer") Container primaryContainer,
            @JsonProperty("EnableNetworkIsolation") boolean enableNetworkIsolation) {}

    @JsonPropertyOrder({"Image", "ModelDataUrl"})
    public record Container(
            @JsonProperty("Image") Value image,
            @JsonProperty("ModelDataUrl") Value modelDataUrl) {}
}
