package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The arguments of a Transform step: a CreateTransformJob request without its job name, which
 * SageMaker Pipelines generates.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html">CreateTransformJob</a>
 */
public final class CreateTransformJob {

    private CreateTransformJob() {}

    @JsonPropertyOrder({"ModelName", "BatchStrategy", "MaxPayloadInMB", "MaxConcurrentTransforms", "Environment",
            "TransformInput", "TransformOutput", "TransformResources", "DataProcessing"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Arguments(
            @JsonProperty("ModelName") Value modelName,
            @JsonProperty("BatchStrategy") String batchStrategy,
            @JsonProperty("MaxPayloadInMB") int maxPayloadInMb,
            @JsonProperty("MaxConcurrentTransforms") Value maxConcurrentTransforms,
            @JsonProperty("Environment") Map<String, Value> environment,
            @JsonProperty("TransformInput") TransformInput transformInput,
            @JsonProperty("TransformOutput") TransformOutput transformOutput,
            @JsonProperty("TransformResources") TransformResources transformResources,
            @JsonProperty("DataProcessing") DataProcessing dataProcessing) {

        public Arguments {
            environment = environment == null ? null : Map.copyOf(environment);
            // CreateTransformJob's own limits: 0 means "no limit" there, which a Line split cannot use.
            if (maxPayloadInMb < 1 || maxPayloadInMb > 100) {
                throw new IllegalArgumentException("MaxPayloadInMB must be in [1, 100], got " + maxPayloadInMb);
            }
        }
    }

    @JsonPropertyOrder({"DataSource", "ContentType", "CompressionType", "SplitType"})
    public record TransformInput(
            @JsonProperty("DataSource") DataSource dataSource,
            @JsonProperty("ContentType") String contentType,
            @JsonProperty("CompressionType") String compressionType,
            @JsonProperty("SplitType") String splitType) {

        /** Every object under {@code s3Uri}, CSV split into records at line ends. */
        public static TransformInput csvLines(Value s3Uri) {
            return new TransformInput(new DataSource(new S3DataSource("S3Prefix", s3Uri)), "text/csv", "None", "Line");
        }
    }

    public record DataSource(@JsonProperty("S3DataSource") S3DataSource s3DataSource) {}

    @JsonPropertyOrder({"S3DataType", "S3Uri"})
    public record S3DataSource(
            @JsonProperty("S3DataType") String s3DataType,
            @JsonProperty("S3Uri") Value s3Uri) {}

    @JsonPropertyOrder({"S3OutputPath", "Accept", "AssembleWith", "KmsKeyId"})
    public record TransformOutput(
            @JsonProperty("S3OutputPath") Value s3OutputPath,
            @JsonProperty("Accept") String accept,
            @JsonProperty("AssembleWith") String assembleWith,
            @JsonProperty("KmsKeyId") Value kmsKeyId) {}

    @JsonPropertyOrder({"InstanceType", "InstanceCount", "VolumeKmsKeyId"})
    public record TransformResources(
            @JsonProperty("InstanceType") Value instanceType,
            @JsonProperty("InstanceCount") Value instanceCount,
            @JsonProperty("VolumeKmsKeyId") Value volumeKmsKeyId) {}

    /**
     * Which fields of a CSV record the model sees, and which of the joined record (input fields,
     * then the model's output fields) are written. JSONPath on a CSV record indexes its fields.
     */
    @JsonPropertyOrder({"InputFilter", "JoinSource", "OutputFilter"})
    public record DataProcessing(
            @JsonProperty("InputFilter") String inputFilter,
            @JsonProperty("JoinSource") String joinSource,
            @JsonProperty("OutputFilter") String outputFilter) {

        /** The API's length limit of each filter. */
        public static final int MAX_FILTER_CHARS = 63;

        public DataProcessing {
            for (String filter : new String[] {inputFilter, outputFilter}) {
                if (filter != null && filter.length() > MAX_FILTER_CHARS) {
                    throw new IllegalArgumentException("a DataProcessing filter is at most " + MAX_FILTER_CHARS
                            + " characters, got " + filter.length() + ": " + filter);
                }
            }
        }
    }
}
