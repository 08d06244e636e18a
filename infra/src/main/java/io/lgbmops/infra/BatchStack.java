package io.lgbmops.infra;

import io.lgbmops.infra.config.StageConfig;
import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.BatchPipeline;
import io.lgbmops.pipeline.BatchRolePermissions;
import io.lgbmops.pipeline.ExecutionRolePermissions;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineDefinition;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.PipelineValidator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.sagemaker.CfnPipeline;
import software.constructs.Construct;

/**
 * The batch scoring pipeline of a stage ({@code lgbmops-<stage>-batch}), from {@link BatchPipeline}:
 * validated at synth, created as {@code AWS::SageMaker::Pipeline} with a role of its own that may
 * run exactly its steps ({@link BatchRolePermissions}). The transform job runs as the model role;
 * this stack lets that role read the batch input prefix of the read bucket and write the Score
 * step's output of pipeline runs, encrypted with the stage's key.
 *
 * <p>A stack of its own: the local runner reads one pipeline per stack from a synthesized template.
 */
public final class BatchStack extends Stack {

    private final Role pipelineRole;
    private final Policy modelRoleTransformAccess;
    private final CfnPipeline pipeline;
    private final PipelineDefinition definition;

    /**
     * What the batch pipeline is wired to.
     *
     * @param stage          the stage (names, dataset contract, instance types)
     * @param key            the stage's data key: transform volume and output, Select's volume and output
     * @param imageUri       our image (the Select step; the model's image comes from the resolved package)
     * @param jobRole        the role Select runs as
     * @param modelRole      the role the scoring model and its transform job run as
     * @param deployFunction the deploy function (its live alias), whose resolve-package picks the package
     */
    public record Props(StageConfig stage, IKey key, String imageUri, IRole jobRole, IRole modelRole,
            IFunction deployFunction) {
    }

    public BatchStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        StageConfig stage = props.stage();
        IBucket readBucket = Bucket.fromBucketName(this, "ReadBucket", StorageStack.readBucketName(stage));
        IBucket writeBucket = Bucket.fromBucketName(this, "WriteBucket", StorageStack.writeBucketName(stage));
        String keyArn = props.key().getKeyArn();

        PipelineSettings settings = PipelineSettings.builder()
                .imageUri(props.imageUri())
                .jobRoleArn(props.jobRole().getRoleArn())
                .modelRoleArn(props.modelRole().getRoleArn())
                .writeBucketName(StorageStack.writeBucketName(stage))
                .kmsKeyId(keyArn)
                .defaultInputDataUri(PipelineStack.defaultInputDataUri(stage))
                .defaultDatasetContractUri(PipelineStack.defaultDatasetContractUri(stage))
                .deployFunctionArn(props.deployFunction().getFunctionArn())
                .modelPackageGroupName(stage.modelPackageGroupName())
                .endpointName(stage.endpointName())
                .processingInstanceType(stage.processingInstanceType())
                .processingInstanceCount(stage.processingInstanceCount())
                .trainingInstanceType(stage.trainingInstanceType())
                .deployInstanceType(stage.endpointInstanceType())
                .deployInstanceCount(stage.endpointInstanceCount())
                .f1Threshold(stage.f1Threshold())
                .minDisparateImpact(stage.minDisparateImpact())
                .maxAbsDppl(stage.maxAbsDppl())
                .maxTuningJobs(stage.maxTuningJobs())
                .maxParallelTuningJobs(stage.maxParallelTuningJobs())
                .build();
        definition = new BatchPipeline(settings, stage.dataset(), defaultInputDataUri(stage)).definition();
        PipelineValidator.validate(definition);
        String body = definition.toCompactJson();
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > PipelineStack.MAX_DEFINITION_BYTES) {
            throw new IllegalStateException("the batch pipeline definition is " + bytes
                    + " bytes, over SageMaker's limit of " + PipelineStack.MAX_DEFINITION_BYTES);
        }

        pipelineRole = Role.Builder.create(this, "PipelineRole")
                .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
                .description("Role SageMaker Pipelines acts as to run the steps of " + stage.batchPipelineName())
                .build();
        // Pipelines read the Select step's property file (the selection summary) of the execution.
        String summaries = writeBucket.arnForObjects(LightGbmPipeline.RUNS_PREFIX + "/*/" + BatchPipeline.SELECT + "/"
                + BatchPipeline.SELECTION_OUTPUT + "/" + BatchPipeline.SUMMARY_FILE);
        pipelineRole.addToPolicy(PlatformStack.statement(List.of("s3:GetObject"), List.of(summaries)));
        pipelineRole.addToPolicy(PlatformStack.statement(List.of("kms:Decrypt", "kms:DescribeKey"), List.of(keyArn)));
        Policy permissions = Policy.Builder.create(this, "PipelinePermissions")
                .roles(List.of(pipelineRole))
                .statements(stepStatements(props))
                .build();

        modelRoleTransformAccess = Policy.Builder.create(this, "ModelRoleTransformAccess")
                .roles(List.of(props.modelRole()))
                .statements(transformStatements(readBucket, writeBucket, keyArn))
                .build();

        pipeline = CfnPipeline.Builder.create(this, "Pipeline")
                .pipelineName(stage.batchPipelineName())
                .pipelineDisplayName(stage.batchPipelineName())
                .pipelineDescription("LightGBM batch scoring: resolve the approved package, model, transform, select ("
                        + stage.name() + ")")
                .roleArn(pipelineRole.getRoleArn())
                .pipelineDefinition(Map.of("PipelineDefinitionBody", body))
                .build();
        // An execution must not start before its roles may run its steps.
        pipeline.getNode().addDependency(permissions);
        pipeline.getNode().addDependency(pipelineRole);
        pipeline.getNode().addDependency(modelRoleTransformAccess);

        acknowledgeFindings(stage, permissions);
        CfnOutput.Builder.create(this, "BatchPipelineName").value(pipeline.getPipelineName())
                .description("start an execution with: aws sagemaker start-pipeline-execution --pipeline-name <this>"
                        + " --pipeline-parameters Name=InputDataUri,Value=s3://... Name=TopK,Value=500").build();
        CfnOutput.Builder.create(this, "DefaultBatchInputUri").value(defaultInputDataUri(stage))
                .description("upload the tables to score under this prefix (the model role reads "
                        + BatchPipeline.batchInputPrefix("") + "* of the read bucket), or pass InputDataUri under it").build();
    }

    /** {@code s3://<read bucket>/batch/<dataset name>/}: every file under it is scored. */
    static String defaultInputDataUri(StageConfig stage) {
        return "s3://" + StorageStack.readBucketName(stage) + "/" + BatchPipeline.batchInputPrefix(stage.dataset().name());
    }

    /** The key prefix the transform job may read in the read bucket: every dataset's batch input. */
    static String batchInputKeys() {
        return BatchPipeline.batchInputPrefix("").replaceAll("/+$", "/") + "*";
    }

    /** The keys the transform job writes: the Score step's output of any pipeline run. */
    static String transformOutputKeys() {
        return LightGbmPipeline.RUNS_PREFIX + "/*/" + BatchPipeline.SCORE + "/" + BatchPipeline.SCORES_OUTPUT + "/*";
    }

    private static List<PolicyStatement> stepStatements(Props props) {
        return BatchRolePermissions.STATEMENTS.stream().map(statement -> {
            PolicyStatement.Builder builder = PolicyStatement.Builder.create()
                    .sid(statement.sid())
                    .actions(statement.actions())
                    .resources(statement.resources().stream().map(resource -> resource
                            .replace("{partition}", Aws.PARTITION)
                            .replace("{region}", Aws.REGION)
                            .replace("{account}", Aws.ACCOUNT_ID)
                            .replace("{deployFunctionArn}", props.deployFunction().getFunctionArn())
                            .replace("{jobRoleArn}", props.jobRole().getRoleArn())
                            .replace("{modelRoleArn}", props.modelRole().getRoleArn())).toList());
            if (statement.actions().contains("iam:PassRole")) {
                builder.conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")));
            }
            if (statement.actions().contains(BatchRolePermissions.CREATE_TRANSFORM_JOB)) {
                // No transform job of this role writes a volume or output that the stage key does not encrypt.
                String keyArn = props.key().getKeyArn();
                builder.conditions(Map.of("ArnEquals", Map.of("sagemaker:VolumeKmsKey", keyArn, "sagemaker:OutputKmsKey", keyArn)));
            }
            return builder.build();
        }).toList();
    }

    /** What the transform job, running as the model role, needs beyond what the model role has for endpoints. */
    private List<PolicyStatement> transformStatements(IBucket readBucket, IBucket writeBucket, String keyArn) {
        String transformLogs = formatArn(ArnComponents.builder().service("logs").resource("log-group")
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME).resourceName("/aws/sagemaker/TransformJobs:*").build());
        return List.of(
                PolicyStatement.Builder.create().sid("ListBatchInput")
                        .actions(List.of("s3:ListBucket"))
                        .resources(List.of(readBucket.getBucketArn()))
                        .conditions(Map.of("StringLike", Map.of("s3:prefix", batchInputKeys())))
                        .build(),
                PolicyStatement.Builder.create().sid("ReadBatchInput")
                        .actions(List.of("s3:GetObject"))
                        .resources(List.of(readBucket.arnForObjects(batchInputKeys())))
                        .build(),
                PolicyStatement.Builder.create().sid("WriteScores")
                        .actions(List.of("s3:PutObject", "s3:AbortMultipartUpload"))
                        .resources(List.of(writeBucket.arnForObjects(transformOutputKeys())))
                        .build(),
                PolicyStatement.Builder.create().sid("EncryptScores")
                        .actions(List.of("kms:Encrypt", "kms:GenerateDataKey"))
                        .resources(List.of(keyArn))
                        .build(),
                // The transform volume is encrypted with the key: SageMaker creates the grant, for its own resources only.
                PolicyStatement.Builder.create().sid("EncryptTransformVolume")
                        .actions(List.of("kms:CreateGrant"))
                        .resources(List.of(keyArn))
                        .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))
                        .build(),
                PolicyStatement.Builder.create().sid("TransformJobLogs")
                        .actions(List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"))
                        .resources(List.of(transformLogs))
                        .build());
    }

    private void acknowledgeFindings(StageConfig stage, Policy permissions) {
        String sagemaker = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:";
        for (String type : List.of("model", "transform-job", "processing-job")) {
            NagAcknowledgements.acknowledge(permissions, "AwsSolutions-IAM5[Resource::" + sagemaker + type + "/"
                    + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*]",
                    "SageMaker Pipelines names the " + type + " of a step pipelines-<execution>-<step>-<suffix>, generated per "
                            + "execution, so it cannot carry the stage prefix; this resource type and that prefix only, in this "
                            + "account and region, for the batch pipeline's steps.");
        }
        String prefix = stage.resourcePrefix();
        NagAcknowledgements.acknowledge(pipelineRole, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::" + prefix
                        + "-write-<AWS::AccountId>-<AWS::Region>/" + LightGbmPipeline.RUNS_PREFIX + "/*/" + BatchPipeline.SELECT + "/"
                        + BatchPipeline.SELECTION_OUTPUT + "/" + BatchPipeline.SUMMARY_FILE + "]",
                "Pipelines read the selection summary (a property file) of the current execution, whose id SageMaker generates; "
                        + "read-only, that one file name of our write bucket only.");
        NagAcknowledgements.acknowledge(modelRoleTransformAccess, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::" + prefix
                        + "-read-<AWS::AccountId>-<AWS::Region>/" + batchInputKeys() + "]",
                "The transform job reads the tables to score, whose names data owners choose; read-only, the batch input "
                        + "prefix of the stage's read bucket only.");
        NagAcknowledgements.acknowledge(modelRoleTransformAccess, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::" + prefix
                        + "-write-<AWS::AccountId>-<AWS::Region>/" + transformOutputKeys() + "]",
                "The transform job writes <input file>.out under the Score output of the current execution, whose id "
                        + "SageMaker generates; write-only, that step's output of our write bucket only.");
        NagAcknowledgements.acknowledge(modelRoleTransformAccess,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TransformJobs:*]",
                "SageMaker names each transform job's log streams itself in its fixed /aws/sagemaker/TransformJobs log group.");
    }

    /** The role SageMaker Pipelines acts as for this pipeline only. */
    public Role pipelineRole() {
        return pipelineRole;
    }

    public CfnPipeline pipeline() {
        return pipeline;
    }

    public PipelineDefinition definition() {
        return definition;
    }
}
