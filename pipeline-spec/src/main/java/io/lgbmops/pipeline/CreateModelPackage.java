package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The arguments of a RegisterModel step: a CreateModelPackage request for a versioned package
 * in a model package group.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html">CreateModelPackage</a>
 */
public final class CreateModelPackage {

    private CreateModelPackage() {}

    @JsonPropertyOrder({"ModelPackageGroupName", "ModelPackageDescription", "InferenceSpecification",
            "ModelMetrics", "DriftCheckBaselines", "ModelApprovalStatus", "CustomerMetadataProperties"})
    public record Arguments(
            @JsonProperty("ModelPackageGroupName") Value modelPackageGroupName,
            @JsonProperty("ModelPackageDescription") String modelPackageDescription,
            @JsonProperty("InferenceSpecification") InferenceSpecification inferenceSpecification,
            @JsonProperty("ModelMetrics") ModelMetrics modelMetrics,
            @JsonProperty("DriftCheckBaselines") DriftCheckBaselines driftCheckBaselines,
            @JsonProperty("ModelApprovalStatus") Value modelApprovalStatus,
            @JsonProperty("CustomerMetadataProperties") Map<String, Value> customerMetadataProperties) {

        public Arguments {
            customerMetadataProperties = Map.copyOf(customerMetadataProperties);
        }
    }

    @JsonPropertyOrder({"Containers", "SupportedContentTypes", "SupportedResponseMIMETypes",
            "SupportedRealtimeInferenceInstanceTypes", "SupportedTransformInstanceTypes"})
    public record InferenceSpecification(
            @JsonProperty("Containers") List<Container> containers,
            @JsonProperty("SupportedContentTypes") List<String> supportedContentTypes,
            @JsonProperty("SupportedResponseMIMETypes") List<String> supportedResponseMimeTypes,
            @JsonProperty("SupportedRealtimeInferenceInstanceTypes") List<Value> supportedRealtimeInferenceInstanceTypes,
            @JsonProperty("SupportedTransformInstanceTypes") List<Value> supportedTransformInstanceTypes) {

        public InferenceSpecification {
            containers = List.copyOf(containers);
            supportedContentTypes = List.copyOf(supportedContentTypes);
            supportedResponseMimeTypes = List.copyOf(supportedResponseMimeTypes);
            supportedRealtimeInferenceInstanceTypes = List.copyOf(supportedRealtimeInferenceInstanceTypes);
            supportedTransformInstanceTypes = List.copyOf(supportedTransformInstanceTypes);
        }
    }

    @JsonPropertyOrder({"Image", "ModelDataUrl"})
    public record Container(
            @JsonProperty("Image") Value image,
            @JsonProperty("ModelDataUrl") Value modelDataUrl) {}

    @JsonPropertyOrder({"ModelQuality", "Bias", "Explainability"})
    public record ModelMetrics(
            @JsonProperty("ModelQuality") ModelQuality modelQuality,
            @JsonProperty("Bias") Bias bias,
            @JsonProperty("Explainability") Explainability explainability) {}

    public record ModelQuality(@JsonProperty("Statistics") MetricsSource statistics) {}

    /** Model bias is measured on predictions, so it is the post-training report. */
    public record Bias(@JsonProperty("PostTrainingReport") MetricsSource postTrainingReport) {}

    public record Explainability(@JsonProperty("Report") MetricsSource report) {}

    @JsonPropertyOrder({"ContentType", "S3Uri"})
    public record MetricsSource(
            @JsonProperty("ContentType") String contentType,
            @JsonProperty("S3Uri") Value s3Uri) {

        public static MetricsSource json(Value s3Uri) {
            return new MetricsSource("application/json", s3Uri);
        }
    }

    @JsonPropertyOrder({"Bias", "Explainability"})
    public record DriftCheckBaselines(
            @JsonProperty("Bias") DriftCheckBias bias,
            @JsonProperty("Explainability") DriftCheckExplainability explainability) {}

    @JsonPropertyOrder({"ConfigFile", "PostTrainingConstraints"})
    public record DriftCheckBias(
            @JsonProperty("ConfigFile") FileSource configFile,
            @JsonProperty("PostTrainingConstraints") MetricsSource postTrainingConstraints) {}

    @JsonPropertyOrder({"ConfigFile", "Constraints"})
    public record DriftCheckExplainability(
            @JsonProperty("ConfigFile") FileSource configFile,
            @JsonProperty("Constraints") MetricsSource constraints) {}

    @JsonPropertyOrder({"ContentType", "S3Uri"})
    public record FileSource(
            @JsonProperty("ContentType") String contentType,
            @JsonProperty("S3Uri") Value s3Uri) {

        public static FileSource json(Value s3Uri) {
            return new FileSource("application/json", s3Uri);
        }
    }
}
