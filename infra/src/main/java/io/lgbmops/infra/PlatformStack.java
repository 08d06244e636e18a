package io.lgbmops.infra;

import io.lgbmops.infra.config.StageConfig;
import io.lgbmops.infra.constructs.ModelPackageGroup;
import io.lgbmops.infra.constructs.NagAcknowledgements;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * The ML platform of a stage: the SageMaker execution role that every job, model and endpoint runs
 * as (least privilege: read bucket read-only, write bucket read/write, the data key, pulls from our
 * repository, its own logs and metrics) and the model package group.
 */
public final class PlatformStack extends Stack {
    private final Role executionRole;
    private final ModelPackageGroup modelPackageGroup;

    public PlatformStack(Construct scope, String id, StackProps props, StageConfig stage, StorageStack storage) {
        super(scope, id, props);

        executionRole = Role.Builder.create(this, "SageMakerExecutionRole")
                .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
                .description("Runs the LightGBM jobs, models and endpoints of " + stage.resourcePrefix())
                .build();

        addStackDependency(storage);
        IBucket readBucket = Bucket.fromBucketName(this, "ReadBucket", StorageStack.readBucketName(stage));
        IBucket writeBucket = Bucket.fromBucketName(this, "WriteBucket", StorageStack.writeBucketName(stage));
        executionRole.addToPolicy(statement(
                List.of("s3:ListBucket", "s3:GetBucketLocation"),
                List.of(readBucket.getBucketArn(), writeBucket.getBucketArn())));
        executionRole.addToPolicy(statement(
                List.of("s3:GetObject"),
                List.of(readBucket.arnForObjects("*"))));
        executionRole.addToPolicy(statement(
                List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
                List.of(writeBucket.arnForObjects("*"))));
        executionRole.addToPolicy(statement(
                List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"),
                List.of(storage.key().getKeyArn())));
        executionRole.addToPolicy(statement(
                List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"),
                List.of(storage.repository().getRepositoryArn())));
        executionRole.addToPolicy(statement(List.of("ecr:GetAuthorizationToken"), List.of("*")));
        executionRole.addToPolicy(statement(
                List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
                List.of(formatArn(ArnComponents.builder().service("logs").resource("log-group")
                        .arnFormat(software.amazon.awscdk.ArnFormat.COLON_RESOURCE_NAME)
                        .resourceName("/aws/sagemaker/*").build()))));
        executionRole.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*"))
                .conditions(Map.of("StringLike", Map.of("cloudwatch:namespace", "/aws/sagemaker/*")))
                .build());

        NagAcknowledgements.acknowledge(executionRole, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::" + stage.resourcePrefix() + "-read-<AWS::AccountId>-<AWS::Region>/*]",
                "Jobs read raw data objects whose keys are chosen by data owners; read-only and limited to the stage's read bucket.");
        NagAcknowledgements.acknowledge(executionRole, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::" + stage.resourcePrefix() + "-write-<AWS::AccountId>-<AWS::Region>/*]",
                "Jobs write artifacts under keys generated per pipeline execution; limited to the stage's write bucket.");
        NagAcknowledgements.acknowledge(executionRole, "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions; "
                        + "metrics are limited to the /aws/sagemaker/* namespaces by condition.");
        NagAcknowledgements.acknowledge(executionRole,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/*]",
                "SageMaker names job and endpoint log groups itself under /aws/sagemaker/; the role may write only there.");

        RemovalPolicy removal = stage.dataRemovalPolicy() == StageConfig.DataRemovalPolicy.DESTROY
                ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
        modelPackageGroup = new ModelPackageGroup(this, "ModelPackageGroup", stage.modelPackageGroupName(),
                "LightGBM models of " + stage.resourcePrefix() + ", registered by the pipeline after the F1 gate", removal);
        StorageStack.pin(modelPackageGroup.resource(), "ModelPackageGroup");

        CfnOutput.Builder.create(this, "ExecutionRoleArn").value(executionRole.getRoleArn())
                .description("SageMaker execution role of jobs, models and endpoints").build();
        CfnOutput.Builder.create(this, "ModelPackageGroupName").value(modelPackageGroup.name())
                .description("model registry group of this stage").build();
    }

    static PolicyStatement statement(List<String> actions, List<String> resources) {
        return PolicyStatement.Builder.create().actions(actions).resources(resources).build();
    }

    public Role executionRole() {
        return executionRole;
    }

    public ModelPackageGroup modelPackageGroup() {
        return modelPackageGroup;
    }
}
