package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The arguments of a Tuning step: a CreateHyperParameterTuningJob request without its job name.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html">CreateHyperParameterTuningJob</a>
 */
public final class CreateHyperParameterTuningJob {

    private CreateHyperParameterTuningJob() {}

    @JsonPropertyOrder({"HyperParameterTuningJobConfig", "TrainingJobDefinition"})
    public record Arguments(
            @JsonProperty("HyperParameterTuningJobConfig") TuningJobConfig hyperParameterTuningJobConfig,
            @JsonProperty("TrainingJobDefinition") TrainingJobDefinition trainingJobDefinition) {}

    @JsonPropertyOrder({"Strategy", "HyperParameterTuningJobObjective", "ResourceLimits", "ParameterRanges",
            "TrainingJobEarlyStoppingType"})
    public record TuningJobConfig(
            @JsonProperty("Strategy") String strategy,
            @JsonProperty("HyperParameterTuningJobObjective") Objective objective,
            @JsonProperty("ResourceLimits") ResourceLimits resourceLimits,
            @JsonProperty("ParameterRanges") ParameterRanges parameterRanges,
            @JsonProperty("TrainingJobEarlyStoppingType") String trainingJobEarlyStoppingType) {}

    @JsonPropertyOrder({"Type", "MetricName"})
    public record Objective(
            @JsonProperty("Type") String type,
            @JsonProperty("MetricName") String metricName) {}

    @JsonPropertyOrder({"MaxNumberOfTrainingJobs", "MaxParallelTrainingJobs"})
    public record ResourceLimits(
            @JsonProperty("MaxNumberOfTrainingJobs") Value maxNumberOfTrainingJobs,
            @JsonProperty("MaxParallelTrainingJobs") Value maxParallelTrainingJobs) {}

    @JsonPropertyOrder({"IntegerParameterRanges", "ContinuousParameterRanges"})
    public record ParameterRanges(
            @JsonProperty("IntegerParameterRanges") List<Range> integerParameterRanges,
            @JsonProperty("ContinuousParameterRanges") List<Range> continuousParameterRanges) {

        public ParameterRanges {
            integerParameterRanges = List.copyOf(integerParameterRanges);
            continuousParameterRanges = List.copyOf(continuousParameterRanges);
        }
    }

    /** The API takes range bounds as strings. */
    @JsonPropertyOrder({"Name", "MinValue", "MaxValue", "ScalingType"})
    public record Range(
            @JsonProperty("Name") String name,
            @JsonProperty("MinValue") String minValue,
            @JsonProperty("MaxValue") String maxValue,
            @JsonProperty("ScalingType") String scalingType) {}

    @JsonPropertyOrder({"StaticHyperParameters", "AlgorithmSpecification", "RoleArn", "InputDataConfig",
            "OutputDataConfig", "ResourceConfig", "StoppingCondition", "EnableNetworkIsolation",
            "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining", "CheckpointConfig"})
    public record TrainingJobDefinition(
            @JsonProperty("StaticHyperParameters") Map<String, String> staticHyperParameters,
            @JsonProperty("AlgorithmSpecification") AlgorithmSpecification algorithmSpecification,
            @JsonProperty("RoleArn") Value roleArn,
            @JsonProperty("InputDataConfig") List<Channel> inputDataConfig,
            @JsonProperty("OutputDataConfig") OutputDataConfig outputDataConfig,
            @JsonProperty("ResourceConfig") ResourceConfig resourceConfig,
            @JsonProperty("StoppingCondition") StoppingCondition stoppingCondition,
            @JsonProperty("EnableNetworkIsolation") boolean enableNetworkIsolation,
            @JsonProperty("EnableInterContainerTrafficEncryption") boolean enableInterContainerTrafficEncryption,
            @JsonProperty("EnableManagedSpotTraining") boolean enableManagedSpotTraining,
            @JsonProperty("CheckpointConfig") CheckpointConfig checkpointConfig) {

        public TrainingJobDefinition {
            staticHyperParameters = Map.copyOf(staticHyperParameters);
            inputDataConfig = List.copyOf(inputDataConfig);
        }
    }

    @JsonPropertyOrder({"TrainingImage", "TrainingInputMode", "MetricDefinitions"})
    public record AlgorithmSpecification(
            @JsonProperty("TrainingImage") Value trainingImage,
            @JsonProperty("TrainingInputMode") String trainingInputMode,
            @JsonProperty("MetricDefinitions") List<MetricDefinition> metricDefinitions) {

        public AlgorithmSpecification {
            metricDefinitions = List.copyOf(metricDefinitions);
        }
    }

    /** SageMaker scans the job's log for {@code regex}; its first group is the metric value. */
    @JsonPropertyOrder({"Name", "Regex"})
    public record MetricDefinition(
            @JsonProperty("Name") String name,
            @JsonProperty("Regex") String regex) {}

    @JsonPropertyOrder({"ChannelName", "DataSource", "ContentType", "CompressionType"})
    public record Channel(
            @JsonProperty("ChannelName") String channelName,
            @JsonProperty("DataSource") DataSource dataSource,
            @JsonProperty("ContentType") String contentType,
            @JsonProperty("CompressionType") String compressionType) {

        /** Every instance of the training job receives every object under {@code s3Uri}. */
        public static Channel csv(String name, Value s3Uri) {
            return new Channel(name,
                    new DataSource(new S3DataSource("S3Prefix", s3Uri, "FullyReplicated")),
                    "text/csv", "None");
        }

        /**
         * Each of the training job's n instances receives about 1/n of the objects under
         * {@code s3Uri} (one instance: all of them), for the container's distributed training,
         * where each host trains on its own shard.
         */
        public static Channel shardedCsv(String name, Value s3Uri) {
            return new Channel(name,
                    new DataSource(new S3DataSource("S3Prefix", s3Uri, "ShardedByS3Key")),
                    "text/csv", "None");
        }
    }

    public record DataSource(@JsonProperty("S3DataSource") S3DataSource s3DataSource) {}

    @JsonPropertyOrder({"S3DataType", "S3Uri", "S3DataDistributionType"})
    public record S3DataSource(
            @JsonProperty("S3DataType") String s3DataType,
            @JsonProperty("S3Uri") Value s3Uri,
            @JsonProperty("S3DataDistributionType") String s3DataDistributionType) {}

    @JsonPropertyOrder({"S3OutputPath", "KmsKeyId"})
    public record OutputDataConfig(
            @JsonProperty("S3OutputPath") Value s3OutputPath,
            @JsonProperty("KmsKeyId") Value kmsKeyId) {}

    @JsonPropertyOrder({"InstanceType", "InstanceCount", "VolumeSizeInGB", "VolumeKmsKeyId"})
    public record ResourceConfig(
            @JsonProperty("InstanceType") Value instanceType,
            @JsonProperty("InstanceCount") Value instanceCount,
            @JsonProperty("VolumeSizeInGB") int volumeSizeInGb,
            @JsonProperty("VolumeKmsKeyId") Value volumeKmsKeyId) {}

    @JsonPropertyOrder({"MaxRuntimeInSeconds", "MaxWaitTimeInSeconds"})
    public record StoppingCondition(
            @JsonProperty("MaxRuntimeInSeconds") int maxRuntimeInSeconds,
            @JsonProperty("MaxWaitTimeInSeconds") int maxWaitTimeInSeconds) {}

    @JsonPropertyOrder({"S3Uri", "LocalPath"})
    public record CheckpointConfig(
            @JsonProperty("S3Uri") Value s3Uri,
            @JsonProperty("LocalPath") String localPath) {}
}
