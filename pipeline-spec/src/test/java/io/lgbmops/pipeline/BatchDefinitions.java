package io.lgbmops.pipeline;

import io.lgbmops.pipeline.dataset.DatasetContract;

/** The batch pipeline of the placeholder settings, for the churn contract (it has an id column). */
final class BatchDefinitions {

    private BatchDefinitions() {}

    static PipelineDefinition placeholder() {
        DatasetContract churn = DatasetContract.read(Definitions.datasetsDirectory().resolve("churn.json"), "churn.json");
        PipelineSettings settings = PipelineSettings.placeholders().toBuilder()
                .defaultDatasetContractUri("s3://lgbmops-write-111122223333/" + LightGbmPipeline.datasetContractKey("churn"))
                .build();
        return new BatchPipeline(settings, churn,
                "s3://lgbmops-read-111122223333/" + BatchPipeline.batchInputPrefix("churn")).definition();
    }
}
