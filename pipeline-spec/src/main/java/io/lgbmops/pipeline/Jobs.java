package io.lgbmops.pipeline;

/** What the jobs of all three pipelines share: where in the container and in S3 they read and write, and their volume. */
final class Jobs {

    /** Where a processing container finds its inputs and leaves its outputs. */
    static final String PROCESSING_ROOT = "/opt/ml/processing/";
    /** Every job's ML storage volume: the data, the model and their copies fit with room to spare. */
    static final int VOLUME_SIZE_GB = 30;

    private Jobs() {}

    /**
     * {@code s3://<write bucket>/pipeline-runs/<execution id>/<step>/<name>}: where an execution's step
     * writes {@code name}, and so where the deploy function and the next steps may read it.
     */
    static Join runUri(PipelineSettings settings, String stepName, String name) {
        return Join.s3Uri(Value.text(settings.writeBucketName()), Value.text(LightGbmPipeline.RUNS_PREFIX),
                Get.PIPELINE_EXECUTION_ID, Value.text(stepName), Value.text(name));
    }
}
