package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PipelineSettingsTest {

    private static final String TOKEN = "${Token[TOKEN.123]}";

    @Test
    void build_whenF1ThresholdAboveOne_failsNamingSettingAndValue() {
        var builder = PipelineSettings.placeholders().toBuilder().f1Threshold(1.7);

        var failure = assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("f1Threshold must be in (0, 1], got 1.7", failure.getMessage());
    }

    @Test
    void build_whenF1ThresholdIsZero_fails() {
        var builder = PipelineSettings.placeholders().toBuilder().f1Threshold(0);

        var failure = assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("f1Threshold must be in (0, 1], got 0.0", failure.getMessage());
    }

    @Test
    void build_whenF1ThresholdIsOne_isAccepted() {
        assertEquals(1.0, PipelineSettings.placeholders().toBuilder().f1Threshold(1).build().f1Threshold());
    }

    @Test
    void build_whenValuesAreCdkTokens_passesThemThroughUnchecked() {
        var settings = PipelineSettings.placeholders().toBuilder()
                .imageUri(TOKEN + ".dkr.ecr.us-east-1.amazonaws.com/lgbmops:" + TOKEN)
                .jobRoleArn(TOKEN)
                .modelRoleArn(TOKEN)
                .writeBucketName(TOKEN)
                .kmsKeyId(TOKEN)
                .defaultInputDataUri("s3://" + TOKEN + "/raw/census/")
                .defaultDatasetContractUri("s3://" + TOKEN + "/pipeline-settings/datasets/census.json")
                .deployFunctionArn(TOKEN)
                .clarifyImageUri(TOKEN)
                .build();

        String json = LightGbmPipeline.build(settings).toJson();

        assertEquals(true, json.contains("\"RoleArn\": \"" + TOKEN + "\""));
        assertEquals(true, json.contains("\"FunctionArn\": \"" + TOKEN + "\""));
    }

    @Test
    void build_whenContractUriIsNotAJsonFile_namesTheSettingAndValue() {
        var builder = PipelineSettings.placeholders().toBuilder().defaultDatasetContractUri("s3://lgbmops-write/census.yaml");

        var failure = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("defaultDatasetContractUri must be an s3:// URI of a .json file, got s3://lgbmops-write/census.yaml",
                failure.getMessage());
    }

    @Test
    void build_whenSeveralValuesAreWrong_listsEachWithItsValue() {
        var builder = PipelineSettings.placeholders().toBuilder()
                .jobRoleArn("lgbmops-role")
                .deployInstanceType("m5.large")
                .maxParallelTuningJobs(30);

        var failure = assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("jobRoleArn must be an ARN containing :role/, got lgbmops-role; "
                + "deployInstanceType must be an ml.* instance type, got m5.large; "
                + "maxParallelTuningJobs must be at most maxTuningJobs (20), got 30", failure.getMessage());
    }

    @Test
    void build_whenRequiredValueMissing_failsNamingIt() {
        var builder = PipelineSettings.placeholders().toBuilder().endpointName(null);

        var failure = assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("endpointName must be set, got null", failure.getMessage());
    }

    @Test
    void build_whenApprovalStatusUnknown_fails() {
        var builder = PipelineSettings.placeholders().toBuilder().modelApprovalStatus("Pending");

        var failure = assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("modelApprovalStatus must be one of Approved, Rejected, PendingManualApproval, got Pending",
                failure.getMessage());
    }

    @Test
    void uriFor_whenRegionIsKnown_isTheClarifyImage() {
        assertEquals("205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0",
                ClarifyImage.uriFor("us-east-1"));
    }
}
