package io.lgbmops.infra;

import io.lgbmops.pipeline.ExecutionRolePermissions;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineDefinition;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.PipelineValidator;
import io.lgbmops.pipeline.deploy.StageNames;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.IFunction;

/**
 * What every SageMaker pipeline of a stage (training, batch scoring, monitoring) runs with, and
 * where the stage's data lies by default. Built once per stage by {@link LgbmOpsApp}.
 *
 * @param names           the stage's naming scheme
 * @param imageUri        our image (with its content-derived tag)
 * @param jobRole         the role processing, tuning and training jobs run as
 * @param modelRole       the role the model's container runs as
 * @param key             the data key
 * @param deployFunction  the deploy function's live alias
 * @param readBucketName  the read bucket (raw data, batch input)
 * @param writeBucketName the write bucket (every artifact)
 * @param datasetName     the name of the stage's dataset contract
 */
public record PipelineResources(StageNames names, String imageUri, IRole jobRole, IRole modelRole, IKey key,
        IFunction deployFunction, String readBucketName, String writeBucketName, String datasetName) {

    /** SageMaker's limit for a pipeline definition. */
    static final int MAX_DEFINITION_BYTES = 1_048_576;

    /** {@code settings} wired to these resources and to the stage's default data locations. */
    PipelineSettings.Builder wire(PipelineSettings.Builder settings) {
        return settings
                .imageUri(imageUri)
                .jobRoleArn(jobRole.getRoleArn())
                .modelRoleArn(modelRole.getRoleArn())
                .writeBucketName(writeBucketName)
                .kmsKeyId(key.getKeyArn())
                .defaultInputDataUri(defaultInputDataUri())
                .defaultDatasetContractUri(defaultDatasetContractUri())
                .deployFunctionArn(deployFunction.getFunctionArn());
    }

    /** {@code s3://<read bucket>/raw/<dataset name>/}: every file under it is the data. */
    String defaultInputDataUri() {
        return "s3://" + readBucketName + "/" + LightGbmPipeline.rawDataPrefix(datasetName);
    }

    /** {@code s3://<write bucket>/pipeline-settings/datasets/<dataset name>.json}, which the pipeline stack uploads. */
    String defaultDatasetContractUri() {
        return "s3://" + writeBucketName + "/" + LightGbmPipeline.datasetContractKey(datasetName);
    }

    /** One statement of a pipeline role's permissions, its resource patterns filled in with this stage's. */
    PolicyStatement.Builder statement(ExecutionRolePermissions.Statement statement) {
        PolicyStatement.Builder builder = PolicyStatement.Builder.create()
                .sid(statement.sid())
                .actions(statement.actions())
                .resources(statement.resources().stream()
                        .map(resource -> resource
                                .replace("{partition}", Aws.PARTITION)
                                .replace("{region}", Aws.REGION)
                                .replace("{account}", Aws.ACCOUNT_ID)
                                .replace("{modelPackageGroup}", names.modelPackageGroupName())
                                .replace("{deployFunctionArn}", deployFunction.getFunctionArn())
                                .replace("{jobRoleArn}", jobRole.getRoleArn())
                                .replace("{modelRoleArn}", modelRole.getRoleArn()))
                        .toList());
        if (statement.actions().contains("iam:PassRole")) {
            builder.conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")));
        }
        return builder;
    }

    /** The definition's body, once it validates and fits SageMaker's limit. */
    static String body(PipelineDefinition definition, String what) {
        PipelineValidator.validate(definition);
        String body = definition.toCompactJson();
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DEFINITION_BYTES) {
            throw new IllegalStateException(what + " is " + bytes + " bytes, over SageMaker's limit of "
                    + MAX_DEFINITION_BYTES);
        }
        return body;
    }
}
