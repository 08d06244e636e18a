package io.lgbmops.infra;

import io.lgbmops.infra.config.StageConfig;
import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.ExecutionRolePermissions;
import io.lgbmops.pipeline.ExecutionRolePermissions.Duty;
import io.lgbmops.pipeline.ClarifyImage;
import io.lgbmops.pipeline.Explainability;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineDefinition;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.PipelineValidator;
import io.lgbmops.pipeline.deploy.CaptureManifest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnMapping;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.ISource;
import software.amazon.awscdk.services.s3.deployment.ServerSideEncryption;
import software.amazon.awscdk.services.s3.deployment.Source;
import software.amazon.awscdk.services.sagemaker.CfnPipeline;
import software.constructs.Construct;

/**
 * The SageMaker Model Building Pipeline of a stage, from the typed definition in `pipeline-spec`:
 * validated at synth, created as `AWS::SageMaker::Pipeline`, wired to the execution role, the
 * buckets, the key, our image and the deploy Lambda. The role gets exactly the permissions the
 * pipeline's steps need ({@link ExecutionRolePermissions}), nothing broader.
 */
public final class PipelineStack extends Stack {
    /** SageMaker's limit for a pipeline definition. */
    static final int MAX_DEFINITION_BYTES = 1_048_576;

    private final CfnPipeline pipeline;
    private final PipelineDefinition definition;

    /** What the pipeline stack is wired to. */
    public record Props(StageConfig stage, StorageStack storage, PlatformStack platform, ImageStack image, IFunction deployFunction,
            SourcePaths sources) {
    }

    public PipelineStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        StageConfig stage = props.stage();
        Role role = props.platform().pipelineRole();

        PipelineSettings settings = stage.pipelineSettings()
                .imageUri(props.image().imageUri())
                .jobRoleArn(props.platform().jobRole().getRoleArn())
                .modelRoleArn(props.platform().modelRole().getRoleArn())
                .writeBucketName(StorageStack.writeBucketName(stage))
                .kmsKeyId(props.storage().key().getKeyArn())
                .defaultInputDataUri(defaultInputDataUri(stage))
                .defaultDatasetContractUri(defaultDatasetContractUri(stage))
                .deployFunctionArn(props.deployFunction().getFunctionArn())
                .clarifyImageUri(stage.explainability() == Explainability.CLARIFY ? clarifyImageUri(stage) : null)
                .build();
        LightGbmPipeline lightGbm = new LightGbmPipeline(settings);
        definition = lightGbm.definition();
        PipelineValidator.validate(definition);
        String body = definition.toCompactJson();
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DEFINITION_BYTES) {
            throw new IllegalStateException("the pipeline definition is " + bytes + " bytes, over SageMaker's limit of "
                    + MAX_DEFINITION_BYTES);
        }

        // Preprocess reads the stage's dataset contract from the write bucket (the parameter's default);
        // the file goes as it is in the repository, already checked when the config was read.
        String contractKey = LightGbmPipeline.datasetContractKey(stage.dataset().name());
        ISource contract = Source.data(contractKey.substring(LightGbmPipeline.SETTINGS_PREFIX.length() + 1),
                props.sources().datasetContract(stage.datasetFile()));
        // What the deploy function names, as a report's URI, when there is no approved package to compare with.
        ISource marker = Source.data(LightGbmPipeline.NO_APPROVED_PACKAGE_MARKER, LightGbmPipeline.noApprovedPackageMarker());
        List<ISource> settingsSources = new ArrayList<>(List.of(contract, marker));
        if (stage.monitoring().enabled()) {
            // What the deploy function's capture manifest lists for a window without capture files.
            settingsSources.add(Source.data(CaptureManifest.NO_CAPTURES_MARKER, CaptureManifest.noCapturesMarker()));
        }
        BucketDeployment settingsUpload = BucketDeployment.Builder.create(this, "PipelineSettings")
                .sources(settingsSources)
                .destinationBucket(software.amazon.awscdk.services.s3.Bucket.fromBucketName(this, "WriteBucket",
                        StorageStack.writeBucketName(stage)))
                .destinationKeyPrefix(LightGbmPipeline.SETTINGS_PREFIX + "/")
                .serverSideEncryption(ServerSideEncryption.AWS_KMS)
                // The ARN: the bucket policy compares the upload's key id with the key's ARN.
                .serverSideEncryptionAwsKmsKeyId(props.storage().key().getKeyArn())
                .retainOnDelete(false)
                .build();
        settingsUpload.getHandlerRole().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"))
                .resources(List.of(props.storage().key().getKeyArn()))
                .build());

        Policy permissions = Policy.Builder.create(this, "PipelinePermissions")
                .roles(List.of(role))
                .statements(statements(Duty.PIPELINE, stage, props))
                .build();

        pipeline = CfnPipeline.Builder.create(this, "Pipeline")
                .pipelineName(stage.pipelineName())
                .pipelineDisplayName(stage.pipelineName())
                .pipelineDescription(stage.explainability() == Explainability.CLARIFY
                        ? "LightGBM: preprocess, tune, evaluate, F1 gate, SageMaker Clarify checks, register, deploy (" + stage.name() + ")"
                        : "LightGBM: preprocess, tune, evaluate, F1 gate, explain, bias gate, register, deploy (" + stage.name() + ")")
                .roleArn(role.getRoleArn())
                .pipelineDefinition(Map.of("PipelineDefinitionBody", body))
                .build();
        // An execution must not start before the role may run its steps and the contract exists.
        pipeline.getNode().addDependency(permissions);
        pipeline.getNode().addDependency(settingsUpload);

        acknowledgeFindings(stage, permissions, Duty.PIPELINE);
        if (stage.explainability() == Explainability.CLARIFY) {
            // The Clarify jobs run as the job role and start the model's shadow endpoint themselves.
            Policy clarifyJobPermissions = Policy.Builder.create(this, "ClarifyJobPermissions")
                    .roles(List.of(props.platform().jobRole()))
                    .statements(statements(Duty.JOB, stage, props))
                    .build();
            pipeline.getNode().addDependency(clarifyJobPermissions);
            acknowledgeFindings(stage, clarifyJobPermissions, Duty.JOB);
            // The shadow endpoint runs the model as the model role, logging to a group Clarify names.
            Policy clarifyModelPermissions = Policy.Builder.create(this, "ClarifyModelPermissions")
                    .roles(List.of(props.platform().modelRole()))
                    .statements(statements(Duty.MODEL, stage, props))
                    .build();
            pipeline.getNode().addDependency(clarifyModelPermissions);
            acknowledgeFindings(stage, clarifyModelPermissions, Duty.MODEL);
        }
        CfnOutput.Builder.create(this, "PipelineName").value(pipeline.getPipelineName())
                .description("start an execution with: aws sagemaker start-pipeline-execution --pipeline-name <this>").build();
        CfnOutput.Builder.create(this, "DefaultInputDataUri")
                .value(defaultInputDataUri(stage))
                .description("upload the raw files of dataset " + stage.dataset().name()
                        + " under this prefix, or pass InputDataUri (and DatasetContractUri) to an execution").build();
        CfnOutput.Builder.create(this, "DatasetContractUri")
                .value(defaultDatasetContractUri(stage))
                .description("the stage's dataset contract (" + stage.datasetFile() + "), as deployed").build();
    }

    /**
     * Clarify's processing image: the stage's region's when the stage names one, otherwise looked
     * up by the deployment's region in a mapping of every known region.
     */
    private String clarifyImageUri(StageConfig stage) {
        if (stage.region() != null) {
            return ClarifyImage.uriFor(stage.region());
        }
        Map<String, Map<String, Object>> rows = new java.util.TreeMap<>();
        ClarifyImage.imageUris().forEach((region, uri) -> rows.put(region, Map.of("uri", uri)));
        CfnMapping images = CfnMapping.Builder.create(this, "ClarifyImages").mapping(rows).build();
        return images.findInMap(Aws.REGION, "uri");
    }

    /** {@code s3://<read bucket>/raw/<dataset name>/}: every file under it is the data. */
    static String defaultInputDataUri(StageConfig stage) {
        return "s3://" + StorageStack.readBucketName(stage) + "/" + LightGbmPipeline.rawDataPrefix(stage.dataset().name());
    }

    /** {@code s3://<write bucket>/pipeline-settings/datasets/<dataset name>.json}, which this stack uploads. */
    static String defaultDatasetContractUri(StageConfig stage) {
        return "s3://" + StorageStack.writeBucketName(stage) + "/" + LightGbmPipeline.datasetContractKey(stage.dataset().name());
    }

    private static List<PolicyStatement> statements(Duty duty, StageConfig stage, Props props) {
        List<PolicyStatement> statements = new ArrayList<>();
        for (ExecutionRolePermissions.Statement statement : ExecutionRolePermissions.of(duty, stage.explainability())) {
            PolicyStatement.Builder builder = PolicyStatement.Builder.create()
                    .sid(statement.sid())
                    .actions(statement.actions())
                    .resources(statement.resources().stream()
                            .map(resource -> resource
                                    .replace("{partition}", Aws.PARTITION)
                                    .replace("{region}", Aws.REGION)
                                    .replace("{account}", Aws.ACCOUNT_ID)
                                    .replace("{modelPackageGroup}", stage.modelPackageGroupName())
                                    .replace("{deployFunctionArn}", props.deployFunction().getFunctionArn())
                                    .replace("{jobRoleArn}", props.platform().jobRole().getRoleArn())
                                    .replace("{modelRoleArn}", props.platform().modelRole().getRoleArn()))
                            .toList());
            if (statement.actions().contains("iam:PassRole")) {
                builder.conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")));
            }
            statements.add(builder.build());
        }
        return statements;
    }

    /** Each wildcard resource of one role's pipeline permissions, acknowledged with the statements' own reasons. */
    private void acknowledgeFindings(StageConfig stage, Policy permissions, Duty duty) {
        // One acknowledgement per wildcard resource, naming every statement that needs it.
        Map<String, List<String>> uses = new java.util.LinkedHashMap<>();
        for (ExecutionRolePermissions.Statement statement : ExecutionRolePermissions.of(duty, stage.explainability())) {
            for (String resource : statement.resources()) {
                if (resource.contains("*") && !resource.equals("*")) {
                    uses.computeIfAbsent(resource, r -> new ArrayList<>()).add(statement.why());
                }
            }
        }
        uses.forEach((resource, whys) -> {
            String finding = resource.replace("{partition}", "<AWS::Partition>")
                    .replace("{region}", "<AWS::Region>").replace("{account}", "<AWS::AccountId>")
                    .replace("{modelPackageGroup}", stage.modelPackageGroupName());
            NagAcknowledgements.acknowledge(permissions, "AwsSolutions-IAM5[Resource::" + finding + "]",
                    "SageMaker generates these names per execution (Pipelines name jobs pipelines-<execution>-<step>-..., "
                            + "tuning jobs carry no fixed prefix, registry versions are numbered by SageMaker), so they cannot carry "
                            + "the stage prefix; "
                            + "this resource type only, in this account and region, for: " + String.join("; ", whys) + ".");
        });
        if (duty != Duty.PIPELINE) {
            return;
        }
        // The bucket-deployment function is a singleton the CDK adds at stack level.
        for (software.constructs.IConstruct child : getNode().getChildren()) {
            if (!child.getNode().getId().startsWith("Custom::CDKBucketDeployment")) {
                continue;
            }
            NagAcknowledgements.acknowledge(child, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                    "The CDK bucket-deployment function uses the AWS managed basic execution role only to write its own logs.");
            NagAcknowledgements.acknowledge(child, "AwsSolutions-L1",
                    "The CDK bucket-deployment function's runtime is chosen, and kept current, by the CDK library version we pin.");
            NagAcknowledgements.acknowledge(child, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
                    "Reads the zipped dataset contract that the CDK uploads as an asset to the bootstrap assets bucket.");
            NagAcknowledgements.acknowledge(child, "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::" + stage.resourcePrefix()
                    + "-write-<AWS::AccountId>-<AWS::Region>/*]", "Writes the dataset contract into our write bucket; the CDK grant is bucket-wide.");
            for (String action : List.of("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")) {
                NagAcknowledgements.acknowledge(child, "AwsSolutions-IAM5[Action::" + action + "]",
                        "The CDK bucket-deployment grant to copy the dataset contract: assets bucket read, our write bucket read/write.");
            }
        }
    }

    public CfnPipeline pipeline() {
        return pipeline;
    }

    public PipelineDefinition definition() {
        return definition;
    }
}
