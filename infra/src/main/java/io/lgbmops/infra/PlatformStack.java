package io.lgbmops.infra;

import io.lgbmops.infra.constructs.ModelPackageGroup;
import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.deploy.StageNames;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * The ML platform of a stage: three SageMaker roles split by duty, and the model package group.
 * <ul>
 * <li>the pipeline role: what SageMaker Pipelines acts as to start jobs and register the
 *     package (its SageMaker permissions come with the pipeline); here it may read
 *     the property files of pipeline runs;</li>
 * <li>the job role: processing, tuning and training jobs run as it: read bucket
 *     read-only, write bucket read/write, the data key, pulls from our repository, job logs and
 *     metrics;</li>
 * <li>the model role: the model container and its endpoints: model artifacts read-only, the data
 *     key, pulls, endpoint logs and metrics, and the rollback alarms of deployment guardrails.</li>
 * </ul>
 */
public final class PlatformStack extends Stack {
    private final Role pipelineRole;
    private final Role jobRole;
    private final Role modelRole;

    /**
     * What the roles may use, and how the model package group is named and kept.
     *
     * @param names           the stage's naming scheme (endpoint, pipeline, model package group, alarms)
     * @param readBucketName  the read bucket, which jobs read
     * @param writeBucketName the write bucket, which jobs write and the model and pipeline roles read
     * @param key             the data key
     * @param repository      our image repository, which the job and model roles pull from
     * @param removalPolicy   what stack deletion does to the model package group
     * @param capturesData    whether the endpoint captures requests, which the model role then writes
     */
    public record Props(StageNames names, String readBucketName, String writeBucketName, IKey key, IRepository repository,
            RemovalPolicy removalPolicy, boolean capturesData) {
    }

    public PlatformStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        StageNames names = props.names();
        IBucket readBucket = Bucket.fromBucketName(this, "ReadBucket", props.readBucketName());
        IBucket writeBucket = Bucket.fromBucketName(this, "WriteBucket", props.writeBucketName());
        String key = props.key().getKeyArn();
        String runs = writeBucket.arnForObjects(LightGbmPipeline.RUNS_PREFIX + "/*");

        pipelineRole = sageMakerRole("PipelineRole", "Role SageMaker Pipelines acts as to run the steps of " + names.pipelineName());
        pipelineRole.addToPolicy(Statements.allow(List.of("s3:GetObject"), List.of(runs)));
        pipelineRole.addToPolicy(Statements.allow(List.of("kms:Decrypt", "kms:DescribeKey"), List.of(key)));

        jobRole = sageMakerRole("JobRole", "Runs the processing, tuning and training jobs of " + names.resourcePrefix());
        jobRole.addToPolicy(Statements.allow(List.of("s3:ListBucket", "s3:GetBucketLocation"),
                List.of(readBucket.getBucketArn(), writeBucket.getBucketArn())));
        jobRole.addToPolicy(Statements.allow(List.of("s3:GetObject"), List.of(readBucket.arnForObjects("*"))));
        jobRole.addToPolicy(Statements.allow(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                List.of(writeBucket.arnForObjects("*"))));
        jobRole.addToPolicy(Statements.allow(List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"), List.of(key)));
        // Job volumes are encrypted with the key: SageMaker creates the grant, for its own resources only.
        jobRole.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("kms:CreateGrant"))
                .resources(List.of(key))
                .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))
                .build());
        grantUse(jobRole, props.repository(), List.of("ProcessingJobs:*", "TrainingJobs:*"));

        modelRole = sageMakerRole("ModelRole", "Runs the LightGBM model containers and endpoints of " + names.resourcePrefix());
        modelRole.addToPolicy(Statements.allow(List.of("s3:GetObject"), List.of(runs)));
        modelRole.addToPolicy(Statements.allow(List.of("kms:Decrypt", "kms:DescribeKey"), List.of(key)));
        grantUse(modelRole, props.repository(), List.of("Endpoints/" + names.endpointName() + ":*"));
        // Deployment guardrails: SageMaker reads the rollback alarms as the endpoint's execution role.
        modelRole.addToPolicy(Statements.allow(List.of("cloudwatch:DescribeAlarms"), names.rollbackAlarmNames().stream()
                .map(alarm -> formatArn(ArnComponents.builder().service("cloudwatch").resource("alarm")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME).resourceName(alarm).build()))
                .toList()));

        if (props.capturesData()) {
            MonitorStack.grantCapture(this, modelRole, names, props.writeBucketName(), key);
        }
        acknowledgeFindings(names);

        ModelPackageGroup modelPackageGroup = new ModelPackageGroup(this, "ModelPackageGroup", names.modelPackageGroupName(),
                "LightGBM models of " + names.resourcePrefix() + ", registered by the pipeline after the F1 gate",
                props.removalPolicy());
        StorageStack.pin(modelPackageGroup.resource(), "ModelPackageGroup");

        CfnOutput.Builder.create(this, "PipelineRoleArn").value(pipelineRole.getRoleArn())
                .description("role SageMaker Pipelines acts as").build();
        CfnOutput.Builder.create(this, "JobRoleArn").value(jobRole.getRoleArn())
                .description("role of the processing, tuning and training jobs").build();
        CfnOutput.Builder.create(this, "ModelRoleArn").value(modelRole.getRoleArn())
                .description("role of the model containers and endpoints").build();
        CfnOutput.Builder.create(this, "ModelPackageGroupName").value(modelPackageGroup.name())
                .description("model registry group of this stage").build();
    }

    private Role sageMakerRole(String id, String description) {
        return Role.Builder.create(this, id)
                .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
                .description(description)
                .build();
    }

    /** What a container SageMaker runs needs: our image, its logs and metrics. */
    private void grantUse(Role role, IRepository repository, List<String> logGroups) {
        role.addToPolicy(Statements.allow(List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"),
                List.of(repository.getRepositoryArn())));
        role.addToPolicy(Statements.allow(List.of("ecr:GetAuthorizationToken"), List.of("*")));
        role.addToPolicy(Statements.allow(List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
                logGroups.stream().map(group -> formatArn(ArnComponents.builder().service("logs").resource("log-group")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME).resourceName("/aws/sagemaker/" + group).build())).toList()));
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*"))
                .conditions(Map.of("StringLike", Map.of("cloudwatch:namespace", "/aws/sagemaker/*")))
                .build());
    }

    private void acknowledgeFindings(StageNames names) {
        String readBucket = names.readBucketName(NagAcknowledgements.ACCOUNT, NagAcknowledgements.REGION);
        String writeBucket = names.writeBucketName(NagAcknowledgements.ACCOUNT, NagAcknowledgements.REGION);
        NagAcknowledgements.acknowledgeObjects(jobRole, readBucket, "*",
                "Jobs read raw data objects whose keys are chosen by data owners; read-only and limited to the stage's read bucket.");
        NagAcknowledgements.acknowledgeObjects(jobRole, writeBucket, "*",
                "Jobs write artifacts under keys generated per pipeline execution; limited to the stage's write bucket.");
        String runs = LightGbmPipeline.RUNS_PREFIX + "/*";
        NagAcknowledgements.acknowledgeObjects(pipelineRole, writeBucket, runs,
                "Pipelines read the property files (evaluation report) of the current execution; read-only, pipeline runs of our write bucket only.");
        NagAcknowledgements.acknowledgeObjects(modelRole, writeBucket, runs,
                "The model container loads the model artifact of the run that trained it; read-only, pipeline runs of our write bucket only.");
        for (Role role : List.of(jobRole, modelRole)) {
            NagAcknowledgements.acknowledgeResource(role, "*",
                    "ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions; "
                            + "metrics are limited to the /aws/sagemaker/* namespaces by condition.");
        }
        for (String group : List.of("ProcessingJobs", "TrainingJobs")) {
            NagAcknowledgements.acknowledgeResource(jobRole, sageMakerLogGroups(group),
                    "SageMaker names each job's log streams itself in its fixed /aws/sagemaker/" + group + " log group.");
        }
        NagAcknowledgements.acknowledgeResource(modelRole, sageMakerLogGroups("Endpoints/" + names.endpointName()),
                "SageMaker names the log streams of our endpoint's log group itself, one per instance and variant.");
    }

    /** As a finding spells the streams of a log group SageMaker names {@code /aws/sagemaker/<group>}. */
    static String sageMakerLogGroups(String group) {
        return "arn:" + NagAcknowledgements.PARTITION + ":logs:" + NagAcknowledgements.REGION + ":" + NagAcknowledgements.ACCOUNT
                + ":log-group:/aws/sagemaker/" + group + ":*";
    }


    /**
     * The stage's SageMaker roles, by duty.
     *
     * @param pipeline the role SageMaker Pipelines acts as (the pipeline's RoleArn)
     * @param job      the role processing, tuning and training jobs run as
     * @param model    the role of the model containers and endpoints (CreateModel's ExecutionRoleArn)
     */
    public record Roles(IRole pipeline, IRole job, IRole model) {
    }

    public Roles roles() {
        return new Roles(pipelineRole, jobRole, modelRole);
    }
}
