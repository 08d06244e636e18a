package io.lgbmops.infra;

import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.ExecutionRolePermissions;
import io.lgbmops.pipeline.ExecutionRolePermissions.Duty;
import io.lgbmops.pipeline.ClarifyImage;
import io.lgbmops.pipeline.Explainability;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineDefinition;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.deploy.CaptureManifest;
import io.lgbmops.pipeline.deploy.StageNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnMapping;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.IRole;
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
    private final PipelineDefinition definition;

    /**
     * What the training pipeline is built from and wired to.
     *
     * @param settings        the stage's pipeline settings; the stack adds the resources and the Clarify image
     * @param explainability  who computes bias and SHAP (as in {@code settings})
     * @param region          the stage's region, or null when the deployment's decides (Clarify's image)
     * @param datasetFile     the stage's dataset contract, relative to the repository root
     * @param datasetContract that contract's text, uploaded as the pipeline's default
     * @param capturesData    whether the endpoint captures requests (the capture manifest's marker is uploaded)
     * @param pipelineRole    the role SageMaker Pipelines acts as
     * @param resources       the stage's pipeline resources
     */
    public record Props(PipelineSettings.Builder settings, Explainability explainability, String region, String datasetFile,
            String datasetContract, boolean capturesData, IRole pipelineRole, PipelineResources resources) {
    }

    public PipelineStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        PipelineResources resources = props.resources();
        StageNames names = resources.names();
        IRole role = props.pipelineRole();
        boolean clarify = props.explainability() == Explainability.CLARIFY;

        PipelineSettings settings = resources.wire(props.settings())
                .clarifyImageUri(clarify ? clarifyImageUri(props.region()) : null)
                .build();
        definition = new LightGbmPipeline(settings).definition();
        String body = PipelineResources.body(definition, "the pipeline definition");

        // Preprocess reads the stage's dataset contract from the write bucket (the parameter's default);
        // the file goes as it is in the repository, already checked when the config was read.
        String contractKey = LightGbmPipeline.datasetContractKey(resources.datasetName());
        ISource contract = Source.data(contractKey.substring(LightGbmPipeline.SETTINGS_PREFIX.length() + 1),
                props.datasetContract());
        // What the deploy function names, as a report's URI, when there is no approved package to compare with.
        ISource marker = Source.data(LightGbmPipeline.NO_APPROVED_PACKAGE_MARKER, LightGbmPipeline.noApprovedPackageMarker());
        List<ISource> settingsSources = new ArrayList<>(List.of(contract, marker));
        if (props.capturesData()) {
            // What the deploy function's capture manifest lists for a window without capture files.
            settingsSources.add(Source.data(CaptureManifest.NO_CAPTURES_MARKER, CaptureManifest.noCapturesMarker()));
        }
        BucketDeployment settingsUpload = BucketDeployment.Builder.create(this, "PipelineSettings")
                .sources(settingsSources)
                .destinationBucket(software.amazon.awscdk.services.s3.Bucket.fromBucketName(this, "WriteBucket",
                        resources.writeBucketName()))
                .destinationKeyPrefix(LightGbmPipeline.SETTINGS_PREFIX + "/")
                .serverSideEncryption(ServerSideEncryption.AWS_KMS)
                // The ARN: the bucket policy compares the upload's key id with the key's ARN.
                .serverSideEncryptionAwsKmsKeyId(resources.key().getKeyArn())
                .retainOnDelete(false)
                .build();
        settingsUpload.getHandlerRole().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"))
                .resources(List.of(resources.key().getKeyArn()))
                .build());

        Policy permissions = permissions("PipelinePermissions", role, Duty.PIPELINE, props);

        CfnPipeline pipeline = CfnPipeline.Builder.create(this, "Pipeline")
                .pipelineName(names.pipelineName())
                .pipelineDisplayName(names.pipelineName())
                .pipelineDescription(clarify
                        ? "LightGBM: preprocess, tune, evaluate, F1 gate, SageMaker Clarify checks, register, deploy (" + names.stage() + ")"
                        : "LightGBM: preprocess, tune, evaluate, F1 gate, explain, bias gate, register, deploy (" + names.stage() + ")")
                .roleArn(role.getRoleArn())
                .pipelineDefinition(Map.of("PipelineDefinitionBody", body))
                .build();
        // An execution must not start before the role may run its steps and the contract exists.
        pipeline.getNode().addDependency(permissions);
        pipeline.getNode().addDependency(settingsUpload);

        if (clarify) {
            // The Clarify jobs run as the job role and start the model's shadow endpoint themselves.
            pipeline.getNode().addDependency(permissions("ClarifyJobPermissions", resources.jobRole(), Duty.JOB, props));
            // The shadow endpoint runs the model as the model role, logging to a group Clarify names.
            pipeline.getNode().addDependency(permissions("ClarifyModelPermissions", resources.modelRole(), Duty.MODEL, props));
        }
        CfnOutput.Builder.create(this, "PipelineName").value(pipeline.getPipelineName())
                .description("start an execution with: aws sagemaker start-pipeline-execution --pipeline-name <this>").build();
        CfnOutput.Builder.create(this, "DefaultInputDataUri")
                .value(resources.defaultInputDataUri())
                .description("upload the raw files of dataset " + resources.datasetName()
                        + " under this prefix, or pass InputDataUri (and DatasetContractUri) to an execution").build();
        CfnOutput.Builder.create(this, "DatasetContractUri")
                .value(resources.defaultDatasetContractUri())
                .description("the stage's dataset contract (" + props.datasetFile() + "), as deployed").build();
    }

    /**
     * Clarify's processing image: the stage's region's when the stage names one, otherwise looked
     * up by the deployment's region in a mapping of every known region.
     */
    private String clarifyImageUri(String region) {
        if (region != null) {
            return ClarifyImage.uriFor(region);
        }
        Map<String, Map<String, Object>> rows = new java.util.TreeMap<>();
        ClarifyImage.imageUris().forEach((known, uri) -> rows.put(known, Map.of("uri", uri)));
        CfnMapping images = CfnMapping.Builder.create(this, "ClarifyImages").mapping(rows).build();
        return images.findInMap(Aws.REGION, "uri");
    }

    /** What {@code role} may do for the pipeline's steps of {@code duty}, its wildcards acknowledged. */
    private Policy permissions(String id, IRole role, Duty duty, Props props) {
        Policy permissions = Policy.Builder.create(this, id)
                .roles(List.of(role))
                .statements(ExecutionRolePermissions.of(duty, props.explainability()).stream()
                        .map(statement -> props.resources().statement(statement).build())
                        .toList())
                .build();
        acknowledgeFindings(props, permissions, duty);
        return permissions;
    }

    /** Each wildcard resource of one role's pipeline permissions, acknowledged with the statements' own reasons. */
    private void acknowledgeFindings(Props props, Policy permissions, Duty duty) {
        StageNames names = props.resources().names();
        // One acknowledgement per wildcard resource, naming every statement that needs it.
        Map<String, List<String>> uses = new java.util.LinkedHashMap<>();
        for (ExecutionRolePermissions.Statement statement : ExecutionRolePermissions.of(duty, props.explainability())) {
            for (String resource : statement.resources()) {
                if (resource.contains("*") && !resource.equals("*")) {
                    uses.computeIfAbsent(resource, r -> new ArrayList<>()).add(statement.why());
                }
            }
        }
        uses.forEach((resource, whys) -> {
            String finding = resource.replace("{partition}", NagAcknowledgements.PARTITION)
                    .replace("{region}", NagAcknowledgements.REGION).replace("{account}", NagAcknowledgements.ACCOUNT)
                    .replace("{modelPackageGroup}", names.modelPackageGroupName());
            NagAcknowledgements.acknowledgeResource(permissions, finding,
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
            NagAcknowledgements.acknowledgeBasicExecutionRole(child,
                    "The CDK bucket-deployment function uses the AWS managed basic execution role only to write its own logs.");
            NagAcknowledgements.acknowledge(child, "AwsSolutions-L1",
                    "The CDK bucket-deployment function's runtime is chosen, and kept current, by the CDK library version we pin.");
            NagAcknowledgements.acknowledgeObjects(child, "cdk-hnb659fds-assets-" + NagAcknowledgements.ACCOUNT + "-"
                    + NagAcknowledgements.REGION, "*",
                    "Reads the zipped dataset contract that the CDK uploads as an asset to the bootstrap assets bucket.");
            NagAcknowledgements.acknowledgeObjects(child, names.writeBucketName(NagAcknowledgements.ACCOUNT,
                    NagAcknowledgements.REGION), "*", "Writes the dataset contract into our write bucket; the CDK grant is bucket-wide.");
            for (String action : List.of("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")) {
                NagAcknowledgements.acknowledgeAction(child, action,
                        "The CDK bucket-deployment grant to copy the dataset contract: assets bucket read, our write bucket read/write.");
            }
        }
    }

    public PipelineDefinition definition() {
        return definition;
    }
}
