package io.lgbmops.infra;

import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.deploy.StageNames;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.codebuild.BuildEnvironment;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariable;
import software.amazon.awscdk.services.codebuild.BuildSpec;
import software.amazon.awscdk.services.codebuild.ComputeType;
import software.amazon.awscdk.services.codebuild.LinuxBuildImage;
import software.amazon.awscdk.services.codebuild.LoggingOptions;
import software.amazon.awscdk.services.codebuild.CloudWatchLoggingOptions;
import software.amazon.awscdk.services.codebuild.Project;
import software.amazon.awscdk.services.codebuild.Source;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.assets.Asset;
import software.amazon.awscdk.customresources.Provider;
import software.constructs.Construct;

/**
 * Builds the LightGBM image from the `container/` source without Docker on the deploying machine:
 * the source goes up as a zip asset, CodeBuild builds and pushes it to our repository with a tag
 * derived from the source content, and a custom resource waits for that build, so `cdk deploy`
 * finishes only once the image exists. The pipeline references the image through
 * {@link #imageUri()}, which carries exactly that tag.
 */
public final class ImageStack extends Stack {
    private static final String START_BUILD = """
            import boto3
            codebuild = boto3.client("codebuild")
            def handler(event, _context):
                props = event["ResourceProperties"]
                if event["RequestType"] == "Delete":
                    return {"PhysicalResourceId": event["PhysicalResourceId"]}
                build = codebuild.start_build(projectName=props["ProjectName"])["build"]
                print({"action": "start-build", "buildId": build["id"], "imageUri": props["ImageUri"]})
                return {"PhysicalResourceId": props["ImageUri"], "Data": {"BuildId": build["id"]}}
            """;
    private static final String AWAIT_BUILD = """
            import boto3
            codebuild = boto3.client("codebuild")
            def handler(event, _context):
                if event["RequestType"] == "Delete":
                    return {"IsComplete": True}
                build_id = event["Data"]["BuildId"]
                build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
                status = build["buildStatus"]
                if status == "IN_PROGRESS":
                    return {"IsComplete": False}
                if status == "SUCCEEDED":
                    return {"IsComplete": True, "Data": {"ImageUri": event["ResourceProperties"]["ImageUri"]}}
                link = build.get("logs", {}).get("deepLink", "the CodeBuild console")
                raise RuntimeError(f"image build {build_id} ended {status}; its log: {link}")
            """;

    private final String imageUri;
    private final String imageTag;

    /**
     * What the image is built from and where it goes.
     *
     * @param names        the stage's naming scheme (descriptions, the build's log group)
     * @param key          the data key: build logs and artifacts
     * @param repository   where the image is pushed
     * @param containerDir the `container/` source the image is built from
     */
    public record Props(StageNames names, IKey key, IRepository repository, Path containerDir) {
    }

    public ImageStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        StageNames names = props.names();
        IRepository repository = props.repository();

        Asset source = Asset.Builder.create(this, "ContainerSource")
                .path(props.containerDir().toString())
                .exclude(List.of("tests", "bench", ".venv*", ".bench-venv", "**/__pycache__", "**/*.egg-info", ".pytest_cache", "pom.xml", "target"))
                .build();
        imageTag = source.getAssetHash().substring(0, 32);
        String taggedUri = repository.getRepositoryUri() + ":" + imageTag;

        LogGroup buildLogs = LogGroup.Builder.create(this, "BuildLogs")
                // Under the stage's prefix: the data key's policy lets CloudWatch Logs encrypt only those.
                .logGroupName(names.logGroupPrefix() + "image-build")
                .retention(RetentionDays.ONE_YEAR)
                .encryptionKey(props.key())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Project build = Project.Builder.create(this, "ImageBuild")
                .description("Builds the LightGBM image of " + names.resourcePrefix() + " from the container/ source")
                .source(Source.s3(software.amazon.awscdk.services.codebuild.S3SourceProps.builder()
                        .bucket(source.getBucket()).path(source.getS3ObjectKey()).build()))
                .environment(BuildEnvironment.builder()
                        .buildImage(LinuxBuildImage.STANDARD_7_0)
                        .computeType(ComputeType.MEDIUM)
                        .privileged(true)
                        .build())
                .environmentVariables(InOrder.map(
                        "REPOSITORY_URI", variable(repository.getRepositoryUri()),
                        "REPOSITORY_NAME", variable(repository.getRepositoryName()),
                        "IMAGE_TAG", variable(imageTag)))
                .buildSpec(BuildSpec.fromObject(buildSpec()))
                .encryptionKey(props.key())
                .logging(LoggingOptions.builder().cloudWatch(CloudWatchLoggingOptions.builder().logGroup(buildLogs).build()).build())
                .timeout(Duration.minutes(45))
                .build();
        repository.grantPullPush(build);
        build.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("ecr:DescribeImages")).resources(List.of(repository.getRepositoryArn())).build());

        Function startBuild = handler("StartBuild", START_BUILD, names);
        startBuild.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("codebuild:StartBuild")).resources(List.of(build.getProjectArn())).build());
        Function awaitBuild = handler("AwaitBuild", AWAIT_BUILD, names);
        awaitBuild.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("codebuild:BatchGetBuilds")).resources(List.of(build.getProjectArn())).build());

        Provider provider = Provider.Builder.create(this, "ImageBuildProvider")
                .onEventHandler(startBuild)
                .isCompleteHandler(awaitBuild)
                .queryInterval(Duration.seconds(30))
                .totalTimeout(Duration.hours(1))
                .logGroup(LogGroup.Builder.create(this, "ProviderLogs").retention(RetentionDays.ONE_YEAR)
                        .removalPolicy(RemovalPolicy.DESTROY).build())
                .disableWaiterStateMachineLogging(false)
                .waiterStateMachineLogOptions(software.amazon.awscdk.customresources.LogOptions.builder()
                        .destination(LogGroup.Builder.create(this, "WaiterLogs").retention(RetentionDays.ONE_YEAR)
                                .removalPolicy(RemovalPolicy.DESTROY).build())
                        .level(software.amazon.awscdk.services.stepfunctions.LogLevel.ALL)
                        .build())
                .build();
        CustomResource image = CustomResource.Builder.create(this, "Image")
                .serviceToken(provider.getServiceToken())
                .resourceType("Custom::LightGbmImage")
                .properties(Map.of("ProjectName", build.getProjectName(), "ImageUri", taggedUri))
                .build();
        imageUri = image.getAttString("ImageUri");

        acknowledgeFindings(build, provider, startBuild, awaitBuild);
        CfnOutput.Builder.create(this, "ImageUri").value(imageUri)
                .description("the LightGBM image every pipeline step and endpoint runs").build();
    }

    private static BuildEnvironmentVariable variable(String value) {
        return BuildEnvironmentVariable.builder().value(value).build();
    }

    /** Idempotent: a tag that already exists (immutable tags) is not built again. */
    private static Map<String, Object> buildSpec() {
        return InOrder.map(
                "version", "0.2",
                "phases", InOrder.map(
                        "pre_build", Map.of("commands", List.of(
                                "aws ecr get-login-password | docker login --username AWS --password-stdin ${REPOSITORY_URI%%/*}",
                                "if aws ecr describe-images --repository-name \"$REPOSITORY_NAME\" --image-ids imageTag=\"$IMAGE_TAG\" >/dev/null 2>&1;"
                                        + " then echo \"image $IMAGE_TAG exists\"; touch /tmp/image-exists; fi")),
                        "build", Map.of("commands", List.of(
                                "[ -f /tmp/image-exists ] || docker build --pull -t \"$REPOSITORY_URI:$IMAGE_TAG\" .")),
                        "post_build", Map.of("commands", List.of(
                                "[ -f /tmp/image-exists ] || [ \"$CODEBUILD_BUILD_SUCCEEDING\" != 1 ] || docker push \"$REPOSITORY_URI:$IMAGE_TAG\""))));
    }

    private Function handler(String id, String code, StageNames names) {
        return Function.Builder.create(this, id)
                .runtime(Runtime.PYTHON_3_14)
                .handler("index.handler")
                .code(Code.fromInline(code))
                .timeout(Duration.minutes(1))
                .description(id + " of the " + names.resourcePrefix() + " image build")
                .logGroup(LogGroup.Builder.create(this, id + "Logs").retention(RetentionDays.ONE_YEAR)
                        .removalPolicy(RemovalPolicy.DESTROY).build())
                .build();
    }

    private void acknowledgeFindings(Project build, Provider provider, Function startBuild, Function awaitBuild) {
        NagAcknowledgements.acknowledge(build, "AwsSolutions-CB3",
                "Building a container image needs Docker, which CodeBuild runs only in privileged mode; the project builds only "
                        + "this stack's source asset with a fixed buildspec and has no inbound access.");
        String project = logicalId(build);
        NagAcknowledgements.acknowledgeResource(build, "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<"
                + project + ">:*", "CodeBuild's default grant to write the build's own log streams, whose names it creates per build.");
        NagAcknowledgements.acknowledgeResource(build, "arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<"
                + project + ">-*", "CodeBuild's default grant for the project's own test report groups, named after the project.");
        NagAcknowledgements.acknowledgeAction(build, "kms:GenerateDataKey*",
                "Encrypting build artifacts and image layers with the stage's data key; the statement is limited to that one key.");
        NagAcknowledgements.acknowledgeAction(build, "kms:ReEncrypt*",
                "Re-encryption under the same data key, granted by CodeBuild's encryption-key integration; limited to that one key.");
        for (Function handler : List.of(startBuild, awaitBuild)) {
            NagAcknowledgements.acknowledgeBasicExecutionRole(handler,
                    "The AWS managed basic execution role grants only writing this function's own CloudWatch logs.");
        }
        for (String action : List.of("s3:GetBucket*", "s3:GetObject*", "s3:List*")) {
            NagAcknowledgements.acknowledgeAction(build, action,
                    "CodeBuild's S3 source grants read access to the one source object of this build, in the CDK assets bucket.");
        }
        List<String> invoked = new java.util.ArrayList<>(List.of(logicalId(startBuild), logicalId(awaitBuild)));
        for (String framework : List.of("framework-isComplete", "framework-onTimeout")) {
            invoked.add(logicalId((Construct) provider.getNode().findChild(framework)));
        }
        for (String function : invoked) {
            NagAcknowledgements.acknowledgeResource(provider, "<" + function + ".Arn>:*",
                    "The custom resource framework invokes versions and aliases (ARN suffix :*) of this one function only.");
        }
        NagAcknowledgements.acknowledge(provider, "AwsSolutions-SF2",
                "The waiter state machine only polls one CodeBuild build during deployments; its steps are logged in full, "
                        + "tracing would add no information.");
        NagAcknowledgements.acknowledgeBasicExecutionRole(provider,
                "The custom resource framework's functions use the AWS managed basic execution role only to write their own logs.");
    }

    private String logicalId(Construct construct) {
        return (String) resolve(getLogicalId((software.amazon.awscdk.CfnElement) construct.getNode().getDefaultChild()));
    }

    /** The image URI with the content-derived tag; resolves only after the build finished. */
    public String imageUri() {
        return imageUri;
    }

    /** The content-derived tag (known at synth). */
    public String imageTag() {
        return imageTag;
    }
}
