package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The arguments of a Processing (and ClarifyCheck) step: a CreateProcessingJob request without
 * its job name, which SageMaker Pipelines generates.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateProcessingJob.html">CreateProcessingJob</a>
 */
public final class CreateProcessingJob {

    private CreateProcessingJob() {}

    @JsonPropertyOrder({"ProcessingResources", "AppSpecification", "RoleArn", "ProcessingInputs",
            "ProcessingOutputConfig", "NetworkConfig", "StoppingCondition", "Environment"})
    public record Arguments(
            @JsonProperty("ProcessingResources") Resources processingResources,
            @JsonProperty("AppSpecification") AppSpecification appSpecification,
            @JsonProperty("RoleArn") Value roleArn,
            @JsonProperty("ProcessingInputs") List<Input> processingInputs,
            @JsonProperty("ProcessingOutputConfig") OutputConfig processingOutputConfig,
            @JsonProperty("NetworkConfig") NetworkConfig networkConfig,
            @JsonProperty("StoppingCondition") StoppingCondition stoppingCondition,
            @JsonProperty("Environment") Map<String, Value> environment) {

        public Arguments {
            processingInputs = List.copyOf(processingInputs);
            environment = environment == null ? null : Map.copyOf(environment);
        }

        List<String> outputNames() {
            return processingOutputConfig.outputs().stream().map(Output::outputName).toList();
        }
    }

    public record Resources(@JsonProperty("ClusterConfig") ClusterConfig clusterConfig) {}

    @JsonPropertyOrder({"InstanceType", "InstanceCount", "VolumeSizeInGB", "VolumeKmsKeyId"})
    public record ClusterConfig(
            @JsonProperty("InstanceType") Value instanceType,
            @JsonProperty("InstanceCount") Value instanceCount,
            @JsonProperty("VolumeSizeInGB") int volumeSizeInGb,
            @JsonProperty("VolumeKmsKeyId") Value volumeKmsKeyId) {}

    @JsonPropertyOrder({"ImageUri", "ContainerEntrypoint", "ContainerArguments"})
    public record AppSpecification(
            @JsonProperty("ImageUri") Value imageUri,
            @JsonProperty("ContainerEntrypoint") List<Value> containerEntrypoint,
            @JsonProperty("ContainerArguments") List<Value> containerArguments) {}

    @JsonPropertyOrder({"InputName", "AppManaged", "S3Input"})
    public record Input(
            @JsonProperty("InputName") String inputName,
            @JsonProperty("AppManaged") boolean appManaged,
            @JsonProperty("S3Input") S3Input s3Input) {

        /** An S3 prefix (or single object) copied in full to {@code localPath} before the job starts. */
        public static Input s3(String name, Value s3Uri, String localPath) {
            return new Input(name, false, new S3Input(
                    s3Uri, localPath, "S3Prefix", "File", "FullyReplicated", "None"));
        }

        /**
         * The objects a manifest file at {@code manifestUri} lists, copied to {@code localPath} by
         * their path relative to the manifest's {@code prefix}: {@code [{"prefix": "s3://b/p/"}, "rel/a", ...]}.
         */
        public static Input s3Manifest(String name, Value manifestUri, String localPath) {
            return new Input(name, false, new S3Input(
                    manifestUri, localPath, "ManifestFile", "File", "FullyReplicated", "None"));
        }

        /**
         * An S3 prefix whose objects are dealt out to the job's instances, each object to one;
         * with one instance it gets them all, as {@link #s3} would.
         */
        public static Input s3Sharded(String name, Value s3Uri, String localPath) {
            return new Input(name, false, new S3Input(
                    s3Uri, localPath, "S3Prefix", "File", "ShardedByS3Key", "None"));
        }
    }

    @JsonPropertyOrder({"S3Uri", "LocalPath", "S3DataType", "S3InputMode", "S3DataDistributionType",
            "S3CompressionType"})
    public record S3Input(
            @JsonProperty("S3Uri") Value s3Uri,
            @JsonProperty("LocalPath") String localPath,
            @JsonProperty("S3DataType") String s3DataType,
            @JsonProperty("S3InputMode") String s3InputMode,
            @JsonProperty("S3DataDistributionType") String s3DataDistributionType,
            @JsonProperty("S3CompressionType") String s3CompressionType) {}

    @JsonPropertyOrder({"OutputName", "AppManaged", "S3Output"})
    public record Output(
            @JsonProperty("OutputName") String outputName,
            @JsonProperty("AppManaged") boolean appManaged,
            @JsonProperty("S3Output") S3Output s3Output) {

        /** {@code localPath} uploaded to {@code s3Uri} when the job ends. */
        public static Output s3(String name, Value s3Uri, String localPath) {
            return new Output(name, false, new S3Output(s3Uri, localPath, "EndOfJob"));
        }
    }

    @JsonPropertyOrder({"S3Uri", "LocalPath", "S3UploadMode"})
    public record S3Output(
            @JsonProperty("S3Uri") Value s3Uri,
            @JsonProperty("LocalPath") String localPath,
            @JsonProperty("S3UploadMode") String s3UploadMode) {}

    @JsonPropertyOrder({"Outputs", "KmsKeyId"})
    public record OutputConfig(
            @JsonProperty("Outputs") List<Output> outputs,
            @JsonProperty("KmsKeyId") Value kmsKeyId) {

        public OutputConfig {
            outputs = List.copyOf(outputs);
        }
    }

    @JsonPropertyOrder({"EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"})
    public record NetworkConfig(
            @JsonProperty("EnableNetworkIsolation") boolean enableNetworkIsolation,
            @JsonProperty("EnableInterContainerTrafficEncryption") boolean enableInterContainerTrafficEncryption) {}

    public record StoppingCondition(@JsonProperty("MaxRuntimeInSeconds") int maxRuntimeInSeconds) {}
}
