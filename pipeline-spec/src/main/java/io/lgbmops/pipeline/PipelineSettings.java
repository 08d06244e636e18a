package io.lgbmops.pipeline;

import io.lgbmops.pipeline.deploy.Checks;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.F1Gate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the pipeline needs from its surroundings, plus the defaults of its parameters.
 *
 * <p>The strings may be CDK token strings such as {@code ${Token[TOKEN.123]}} at synth time: they
 * are passed through untouched, and only values that hold no token are checked. Numbers are
 * always checked, since they are the defaults an execution starts with.
 */
public record PipelineSettings(
        String imageUri,
        String jobRoleArn,
        String modelRoleArn,
        String writeBucketName,
        String kmsKeyId,
        String defaultInputDataUri,
        String defaultDatasetContractUri,
        String deployFunctionArn,
        String modelPackageGroupName,
        String endpointName,
        String processingInstanceType,
        int processingInstanceCount,
        String trainingInstanceType,
        int trainingInstanceCount,
        String deployInstanceType,
        int deployInstanceCount,
        String clarifyInstanceType,
        double f1Threshold,
        String modelApprovalStatus,
        int maxTuningJobs,
        int maxParallelTuningJobs,
        double minDisparateImpact,
        double maxAbsDppl,
        Explainability explainability,
        String clarifyImageUri) {

    private static final Pattern S3_URI = Checks.s3Uri("(/.*)?");
    private static final Pattern JSON_S3_URI = Checks.s3Uri("/.*\\.json");
    private static final Set<String> APPROVAL_STATUSES = Set.of("Approved", "Rejected", "PendingManualApproval");
    private static final Pattern INSTANCE_TYPE = DeploySettings.INSTANCE_TYPE;
    private static final Pattern SAGEMAKER_NAME = DeploySettings.RESOURCE_NAME;

    /**
     * Preprocessing, evaluation and explain jobs: the explain job holds the data, the model and
     * its SHAP values in memory at once, which the 16 GiB of an xlarge leave room for.
     */
    public static final String DEFAULT_PROCESSING_INSTANCE_TYPE = "ml.m5.xlarge";
    public static final int DEFAULT_PROCESSING_INSTANCE_COUNT = 1;
    public static final String DEFAULT_TRAINING_INSTANCE_TYPE = "ml.m5.xlarge";
    /** The shadow endpoint Clarify starts from the model: one small instance. */
    public static final String DEFAULT_CLARIFY_INSTANCE_TYPE = "ml.m5.large";
    public static final double DEFAULT_F1_THRESHOLD = 0.9;
    public static final String DEFAULT_MODEL_APPROVAL_STATUS = "PendingManualApproval";
    public static final int DEFAULT_MAX_TUNING_JOBS = 20;
    public static final int DEFAULT_MAX_PARALLEL_TUNING_JOBS = 2;
    /** The four-fifths rule: the lowest disparate impact across the facets the bias gate accepts. */
    public static final double DEFAULT_MIN_DISPARATE_IMPACT = 0.8;
    /** The highest |DPPL| across the facets the bias gate accepts. */
    public static final double DEFAULT_MAX_ABS_DPPL = 0.1;

    /** A limit of the bias gate (MinDisparateImpact, MaxAbsDPPL): both metrics' magnitudes lie in [0, 1]. */
    public static boolean isBiasLimit(double value) {
        return Checks.inRange(value, 0, 1);
    }

    public PipelineSettings {
        List<String> problems = new ArrayList<>();
        requireMatch(problems, "imageUri", imageUri, Pattern.compile("^\\S+/\\S+$"), "an image URI");
        requireArn(problems, "jobRoleArn", jobRoleArn, ":role/");
        requireArn(problems, "modelRoleArn", modelRoleArn, ":role/");
        requireMatch(problems, "writeBucketName", writeBucketName, Checks.BUCKET, "an S3 bucket name");
        requireArn(problems, "kmsKeyId", kmsKeyId, ":key/");
        requireMatch(problems, "defaultInputDataUri", defaultInputDataUri, S3_URI, "an s3:// URI");
        requireMatch(problems, "defaultDatasetContractUri", defaultDatasetContractUri, JSON_S3_URI,
                "an s3:// URI of a .json file");
        requireArn(problems, "deployFunctionArn", deployFunctionArn, ":function:");
        requireMatch(problems, "modelPackageGroupName", modelPackageGroupName, SAGEMAKER_NAME,
                "a SageMaker name");
        requireMatch(problems, "endpointName", endpointName, SAGEMAKER_NAME, "a SageMaker name");
        requireMatch(problems, "processingInstanceType", processingInstanceType, INSTANCE_TYPE,
                "an ml.* instance type");
        requireMatch(problems, "trainingInstanceType", trainingInstanceType, INSTANCE_TYPE,
                "an ml.* instance type");
        requireMatch(problems, "deployInstanceType", deployInstanceType, INSTANCE_TYPE,
                "an ml.* instance type");
        requireMatch(problems, "clarifyInstanceType", clarifyInstanceType, INSTANCE_TYPE,
                "an ml.* instance type");
        requireAtLeastOne(problems, "processingInstanceCount", processingInstanceCount);
        requireAtLeastOne(problems, "trainingInstanceCount", trainingInstanceCount);
        requireAtLeastOne(problems, "deployInstanceCount", deployInstanceCount);
        requireAtLeastOne(problems, "maxTuningJobs", maxTuningJobs);
        requireAtLeastOne(problems, "maxParallelTuningJobs", maxParallelTuningJobs);
        if (maxParallelTuningJobs > maxTuningJobs) {
            problems.add("maxParallelTuningJobs must be at most maxTuningJobs (" + maxTuningJobs
                    + "), got " + maxParallelTuningJobs);
        }
        if (!F1Gate.isThreshold(f1Threshold)) {
            problems.add("f1Threshold must be in (0, 1], got " + f1Threshold);
        }
        if (!isBiasLimit(minDisparateImpact)) {
            problems.add("minDisparateImpact must be in [0, 1], got " + minDisparateImpact);
        }
        if (!isBiasLimit(maxAbsDppl)) {
            problems.add("maxAbsDppl must be in [0, 1], got " + maxAbsDppl);
        }
        if (explainability == null) {
            problems.add("explainability must be one of " + String.join(", ", Explainability.configNames())
                    + ", got null");
        } else if (explainability == Explainability.CLARIFY) {
            requireMatch(problems, "clarifyImageUri", clarifyImageUri, Pattern.compile("^\\S+/\\S+$"),
                    "an image URI (explainability is clarify)");
        }
        if (modelApprovalStatus == null || !Checks.isUnresolved(modelApprovalStatus)
                && !APPROVAL_STATUSES.contains(modelApprovalStatus)) {
            problems.add("modelApprovalStatus must be one of Approved, Rejected, PendingManualApproval, got "
                    + modelApprovalStatus);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fixed, obviously fake values (the AWS documentation's example account) for the committed
     * snapshot, the package-time artifacts and tests.
     */
    public static PipelineSettings placeholders() {
        String account = "111122223333";
        return builder()
                .imageUri(account + ".dkr.ecr.us-east-1.amazonaws.com/lgbmops:placeholder")
                .jobRoleArn("arn:aws:iam::" + account + ":role/lgbmops-job")
                .modelRoleArn("arn:aws:iam::" + account + ":role/lgbmops-model")
                .writeBucketName("lgbmops-write-" + account)
                .kmsKeyId("arn:aws:kms:us-east-1:" + account + ":key/00000000-0000-0000-0000-000000000000")
                .defaultInputDataUri("s3://lgbmops-read-" + account + "/" + LightGbmPipeline.rawDataPrefix("census"))
                .defaultDatasetContractUri("s3://lgbmops-write-" + account + "/"
                        + LightGbmPipeline.datasetContractKey("census"))
                .deployFunctionArn("arn:aws:lambda:us-east-1:" + account + ":function:lgbmops-deploy")
                .modelPackageGroupName("lgbmops-models")
                .endpointName("lgbmops-endpoint")
                .build();
    }

    private static void requireMatch(List<String> problems, String setting, String value, Pattern pattern,
            String what) {
        if (value == null || value.isBlank()) {
            problems.add(setting + " must be set, got " + value);
        } else if (!Checks.matchesOrUnresolved(value, pattern)) {
            problems.add(setting + " must be " + what + ", got " + value);
        }
    }

    private static void requireArn(List<String> problems, String setting, String value, String resourceMarker) {
        if (value == null || value.isBlank()) {
            problems.add(setting + " must be set, got " + value);
        } else if (!Checks.isUnresolved(value) && !(value.startsWith("arn:") && value.contains(resourceMarker))) {
            problems.add(setting + " must be an ARN containing " + resourceMarker + ", got " + value);
        }
    }

    private static void requireAtLeastOne(List<String> problems, String setting, int value) {
        if (value < 1) {
            problems.add(setting + " must be at least 1, got " + value);
        }
    }

    /** Required values first; every default is a DEFAULT_ constant above (or the deploy settings' own). */
    public static final class Builder {
        private String imageUri;
        /** Role of the processing and tuning jobs. */
        private String jobRoleArn;
        /** Role of the model the Clarify checks run against (its container and shadow endpoint). */
        private String modelRoleArn;
        private String writeBucketName;
        private String kmsKeyId;
        /** The raw data's S3 URI (a prefix: every file under it is read). */
        private String defaultInputDataUri;
        /** The S3 URI of the dataset contract that describes that data. */
        private String defaultDatasetContractUri;
        private String deployFunctionArn;
        private String modelPackageGroupName;
        private String endpointName;
        private String processingInstanceType = DEFAULT_PROCESSING_INSTANCE_TYPE;
        private int processingInstanceCount = DEFAULT_PROCESSING_INSTANCE_COUNT;
        private String trainingInstanceType = DEFAULT_TRAINING_INSTANCE_TYPE;
        /** Default: 1 (LightGBM here trains on one node). */
        private int trainingInstanceCount = 1;
        /** The endpoint's own defaults: the deploy function's settings own them. */
        private String deployInstanceType = DeploySettings.DEFAULT_INSTANCE_TYPE;
        private int deployInstanceCount = DeploySettings.DEFAULT_INITIAL_INSTANCE_COUNT;
        private String clarifyInstanceType = DEFAULT_CLARIFY_INSTANCE_TYPE;
        private double f1Threshold = DEFAULT_F1_THRESHOLD;
        private String modelApprovalStatus = DEFAULT_MODEL_APPROVAL_STATUS;
        private int maxTuningJobs = DEFAULT_MAX_TUNING_JOBS;
        private int maxParallelTuningJobs = DEFAULT_MAX_PARALLEL_TUNING_JOBS;
        private double minDisparateImpact = DEFAULT_MIN_DISPARATE_IMPACT;
        private double maxAbsDppl = DEFAULT_MAX_ABS_DPPL;
        private Explainability explainability = Explainability.DEFAULT;
        /** Needed only when explainability is clarify: see {@link ClarifyImage}. */
        private String clarifyImageUri;

        private Builder() {}

        public Builder imageUri(String value) { imageUri = value; return this; }
        public Builder jobRoleArn(String value) { jobRoleArn = value; return this; }
        public Builder modelRoleArn(String value) { modelRoleArn = value; return this; }
        public Builder writeBucketName(String value) { writeBucketName = value; return this; }
        public Builder kmsKeyId(String value) { kmsKeyId = value; return this; }
        public Builder defaultInputDataUri(String value) { defaultInputDataUri = value; return this; }
        public Builder defaultDatasetContractUri(String value) { defaultDatasetContractUri = value; return this; }
        public Builder deployFunctionArn(String value) { deployFunctionArn = value; return this; }
        public Builder modelPackageGroupName(String value) { modelPackageGroupName = value; return this; }
        public Builder endpointName(String value) { endpointName = value; return this; }
        public Builder processingInstanceType(String value) { processingInstanceType = value; return this; }
        public Builder processingInstanceCount(int value) { processingInstanceCount = value; return this; }
        public Builder trainingInstanceType(String value) { trainingInstanceType = value; return this; }
        public Builder trainingInstanceCount(int value) { trainingInstanceCount = value; return this; }
        public Builder deployInstanceType(String value) { deployInstanceType = value; return this; }
        public Builder deployInstanceCount(int value) { deployInstanceCount = value; return this; }
        public Builder clarifyInstanceType(String value) { clarifyInstanceType = value; return this; }
        public Builder f1Threshold(double value) { f1Threshold = value; return this; }
        public Builder modelApprovalStatus(String value) { modelApprovalStatus = value; return this; }
        public Builder maxTuningJobs(int value) { maxTuningJobs = value; return this; }
        public Builder maxParallelTuningJobs(int value) { maxParallelTuningJobs = value; return this; }
        public Builder minDisparateImpact(double value) { minDisparateImpact = value; return this; }
        public Builder maxAbsDppl(double value) { maxAbsDppl = value; return this; }
        public Builder explainability(Explainability value) { explainability = value; return this; }
        public Builder clarifyImageUri(String value) { clarifyImageUri = value; return this; }

        public PipelineSettings build() {
            return new PipelineSettings(imageUri, jobRoleArn, modelRoleArn, writeBucketName, kmsKeyId,
                    defaultInputDataUri, defaultDatasetContractUri, deployFunctionArn, modelPackageGroupName, endpointName,
                    processingInstanceType, processingInstanceCount, trainingInstanceType,
                    trainingInstanceCount, deployInstanceType, deployInstanceCount, clarifyInstanceType,
                    f1Threshold, modelApprovalStatus, maxTuningJobs, maxParallelTuningJobs, minDisparateImpact,
                    maxAbsDppl, explainability, clarifyImageUri);
        }
    }

    /** A builder holding these settings, to change a few of them. */
    public Builder toBuilder() {
        return builder().imageUri(imageUri).jobRoleArn(jobRoleArn).modelRoleArn(modelRoleArn).writeBucketName(writeBucketName)
                .kmsKeyId(kmsKeyId).defaultInputDataUri(defaultInputDataUri)
                .defaultDatasetContractUri(defaultDatasetContractUri).deployFunctionArn(deployFunctionArn)
                .modelPackageGroupName(modelPackageGroupName).endpointName(endpointName)
                .processingInstanceType(processingInstanceType)
                .processingInstanceCount(processingInstanceCount).trainingInstanceType(trainingInstanceType)
                .trainingInstanceCount(trainingInstanceCount).deployInstanceType(deployInstanceType)
                .deployInstanceCount(deployInstanceCount).clarifyInstanceType(clarifyInstanceType)
                .f1Threshold(f1Threshold).modelApprovalStatus(modelApprovalStatus).maxTuningJobs(maxTuningJobs)
                .maxParallelTuningJobs(maxParallelTuningJobs).minDisparateImpact(minDisparateImpact)
                .maxAbsDppl(maxAbsDppl).explainability(explainability).clarifyImageUri(clarifyImageUri);
    }
}
