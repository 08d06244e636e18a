package io.lgbmops.infra;

import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.BatchPipeline;
import io.lgbmops.pipeline.BatchRolePermissions;
import io.lgbmops.pipeline.ExecutionRolePermissions;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineDefinition;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.dataset.DatasetContract;
import io.lgbmops.pipeline.deploy.StageNames;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
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
    private final PipelineDefinition definition;

    /**
     * What the batch pipeline is built from and wired to. The transform job runs as the resources'
     * model role, Select as their job role; the deploy function's resolve-package picks the package.
     *
     * @param pipelineName the batch pipeline's name
     * @param settings     the stage's pipeline settings (instance types, names); the stack adds the resources
     * @param dataset      the stage's dataset contract (what Select keeps)
     * @param resources    the stage's pipeline resources
     */
    public record Props(String pipelineName, PipelineSettings.Builder settings, DatasetContract dataset,
            PipelineResources resources) {
    }

    public BatchStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        PipelineResources resources = props.resources();
        StageNames names = resources.names();
        IBucket readBucket = Bucket.fromBucketName(this, "ReadBucket", resources.readBucketName());
        IBucket writeBucket = Bucket.fromBucketName(this, "WriteBucket", resources.writeBucketName());
        String keyArn = resources.key().getKeyArn();
        String inputUri = defaultInputDataUri(resources);

        definition = new BatchPipeline(resources.wire(props.settings()).build(), props.dataset(), inputUri).definition();
        String body = PipelineResources.body(definition, "the batch pipeline definition");

        pipelineRole = Role.Builder.create(this, "PipelineRole")
                .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
                .description("Role SageMaker Pipelines acts as to run the steps of " + props.pipelineName())
                .build();
        // Pipelines read the Select step's property file (the selection summary) of the execution.
        String summaries = writeBucket.arnForObjects(selectionSummaryKeys());
        pipelineRole.addToPolicy(Statements.allow(List.of("s3:GetObject"), List.of(summaries)));
        pipelineRole.addToPolicy(Statements.allow(List.of("kms:Decrypt", "kms:DescribeKey"), List.of(keyArn)));
        Policy permissions = Policy.Builder.create(this, "PipelinePermissions")
                .roles(List.of(pipelineRole))
                .statements(stepStatements(resources))
                .build();

        modelRoleTransformAccess = Policy.Builder.create(this, "ModelRoleTransformAccess")
                .roles(List.of(resources.modelRole()))
                .statements(transformStatements(readBucket, writeBucket, keyArn))
                .build();

        CfnPipeline pipeline = CfnPipeline.Builder.create(this, "Pipeline")
                .pipelineName(props.pipelineName())
                .pipelineDisplayName(props.pipelineName())
                .pipelineDescription("LightGBM batch scoring: resolve the approved package, model, transform, select ("
                        + names.stage() + ")")
                .roleArn(pipelineRole.getRoleArn())
                .pipelineDefinition(Map.of("PipelineDefinitionBody", body))
                .build();
        // An execution must not start before its roles may run its steps.
        pipeline.getNode().addDependency(permissions);
        pipeline.getNode().addDependency(pipelineRole);
        pipeline.getNode().addDependency(modelRoleTransformAccess);

        acknowledgeFindings(names, permissions);
        CfnOutput.Builder.create(this, "BatchPipelineName").value(pipeline.getPipelineName())
                .description("start an execution with: aws sagemaker start-pipeline-execution --pipeline-name <this>"
                        + " --pipeline-parameters Name=InputDataUri,Value=s3://... Name=TopK,Value=500").build();
        CfnOutput.Builder.create(this, "DefaultBatchInputUri").value(inputUri)
                .description("upload the tables to score under this prefix (the model role reads "
                        + BatchPipeline.batchInputPrefix("") + "* of the read bucket), or pass InputDataUri under it").build();
    }

    /** {@code s3://<read bucket>/batch/<dataset name>/}: every file under it is scored. */
    static String defaultInputDataUri(PipelineResources resources) {
        return "s3://" + resources.readBucketName() + "/" + BatchPipeline.batchInputPrefix(resources.datasetName());
    }

    /** The selection summary (Select's property file) of any pipeline run. */
    static String selectionSummaryKeys() {
        return LightGbmPipeline.RUNS_PREFIX + "/*/" + BatchPipeline.SELECT + "/" + BatchPipeline.SELECTION_OUTPUT + "/"
                + BatchPipeline.SUMMARY_FILE;
    }

    /** The key prefix the transform job may read in the read bucket: every dataset's batch input. */
    static String batchInputKeys() {
        return BatchPipeline.batchInputPrefix("").replaceAll("/+$", "/") + "*";
    }

    /** The keys the transform job writes: the Score step's output of any pipeline run. */
    static String transformOutputKeys() {
        return LightGbmPipeline.RUNS_PREFIX + "/*/" + BatchPipeline.SCORE + "/" + BatchPipeline.SCORES_OUTPUT + "/*";
    }

    private static List<PolicyStatement> stepStatements(PipelineResources resources) {
        return BatchRolePermissions.STATEMENTS.stream().map(statement -> {
            PolicyStatement.Builder builder = resources.statement(statement);
            if (statement.actions().contains(BatchRolePermissions.CREATE_TRANSFORM_JOB)) {
                // No transform job of this role writes a volume or output that the stage key does not encrypt.
                String keyArn = resources.key().getKeyArn();
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

    private void acknowledgeFindings(StageNames names, Policy permissions) {
        String sagemaker = "arn:" + NagAcknowledgements.PARTITION + ":sagemaker:" + NagAcknowledgements.REGION + ":"
                + NagAcknowledgements.ACCOUNT + ":";
        for (String type : List.of("model", "transform-job", "processing-job")) {
            NagAcknowledgements.acknowledgeResource(permissions, sagemaker + type + "/"
                    + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*",
                    "SageMaker Pipelines names the " + type + " of a step pipelines-<execution>-<step>-<suffix>, generated per "
                            + "execution, so it cannot carry the stage prefix; this resource type and that prefix only, in this "
                            + "account and region, for the batch pipeline's steps.");
        }
        String readBucket = names.readBucketName(NagAcknowledgements.ACCOUNT, NagAcknowledgements.REGION);
        String writeBucket = names.writeBucketName(NagAcknowledgements.ACCOUNT, NagAcknowledgements.REGION);
        NagAcknowledgements.acknowledgeObjects(pipelineRole, writeBucket, selectionSummaryKeys(),
                "Pipelines read the selection summary (a property file) of the current execution, whose id SageMaker generates; "
                        + "read-only, that one file name of our write bucket only.");
        NagAcknowledgements.acknowledgeObjects(modelRoleTransformAccess, readBucket, batchInputKeys(),
                "The transform job reads the tables to score, whose names data owners choose; read-only, the batch input "
                        + "prefix of the stage's read bucket only.");
        NagAcknowledgements.acknowledgeObjects(modelRoleTransformAccess, writeBucket, transformOutputKeys(),
                "The transform job writes <input file>.out under the Score output of the current execution, whose id "
                        + "SageMaker generates; write-only, that step's output of our write bucket only.");
        NagAcknowledgements.acknowledgeResource(modelRoleTransformAccess, PlatformStack.sageMakerLogGroups("TransformJobs"),
                "SageMaker names each transform job's log streams itself in its fixed /aws/sagemaker/TransformJobs log group.");
    }

    public PipelineDefinition definition() {
        return definition;
    }
}
