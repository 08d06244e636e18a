package io.lgbmops.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.lgbmops.infra.config.AppConfig;
import io.lgbmops.infra.config.ConfigException;
import io.lgbmops.infra.config.StageConfig;
import io.lgbmops.pipeline.Explainability;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.Validations;

/** The CDK app: every stage from `cdk.json` context, each as its stateful and stateless stacks. */
public final class LgbmOpsApp {

    private LgbmOpsApp() {
    }

    /** Exit status of a wrong `cdk.json` value; its message alone goes to stderr. */
    static final int CONFIG_ERROR_EXIT = 2;

    public static void main(String[] args) {
        App app = new App();
        SourcePaths sources = SourcePaths.fromWorkingDirectory();
        AppConfig config;
        try {
            config = AppConfig.fromContext(app.getNode().tryGetContext("stages"), app.getNode().tryGetContext("stage"),
                    sources.repoRoot());
        } catch (ConfigException e) {
            // A user's configuration mistake: the message names the key and the value; a trace adds nothing.
            System.err.println(e.getMessage());
            System.exit(CONFIG_ERROR_EXIT);
            return;
        }
        build(app, config, sources);
        app.synth();
    }

    /** Adds every stage's stacks and the AwsSolutions checks to {@code app}; returns the stacks. */
    public static List<Stack> build(App app, AppConfig config, SourcePaths sources) {
        List<Stack> stacks = new ArrayList<>();
        for (StageConfig stage : config.stages()) {
            stacks.addAll(new StageStacks(app, stage, sources).all());
        }
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
        return stacks;
    }

    /** The stacks of one stage, wired together. */
    public static final class StageStacks {
        public final StorageStack storage;
        public final PlatformStack platform;
        public final ImageStack image;
        public final DeployStack deploy;
        public final PipelineStack pipeline;
        /** Null when the stage captures nothing (dataCapturePercent 0). */
        public final MonitorStack monitor;
        public final BatchStack batch;

        StageStacks(App app, StageConfig stage, SourcePaths sources) {
            StackProps props = StackProps.builder()
                    .env(environment(stage))
                    .description("LightGBM MLOps (" + stage.name() + ")")
                    .build();
            storage = new StorageStack(app, stage.stackName("Storage"), props, storageProps(stage));
            platform = new PlatformStack(app, stage.stackName("Platform"), props, platformProps(stage, storage));
            image = new ImageStack(app, stage.stackName("Image"), props, imageProps(stage, storage, sources));
            PlatformStack.Roles roles = platform.roles();
            deploy = new DeployStack(app, stage.stackName("Deploy"), props, new DeployStack.Props(stage.names(),
                    stage.deploySettings(roles.model().getRoleArn(), storage.key().getKeyArn()),
                    stage.writeBucketName(), storage.key(), roles.model(), sources.deployLambdaJar()));
            PipelineResources resources = new PipelineResources(stage.names(), image.imageUri(), roles.job(),
                    roles.model(), storage.key(), deploy.liveFunction(), stage.readBucketName(), stage.writeBucketName(),
                    stage.dataset().name());
            pipeline = new PipelineStack(app, stage.stackName("Pipeline"), props, new PipelineStack.Props(
                    stage.pipelineSettings(), stage.explainability(), stage.region(), stage.datasetFile(),
                    sources.datasetContract(stage.datasetFile()), stage.monitoring().enabled(), roles.pipeline(),
                    resources));
            monitor = stage.monitoring().enabled()
                    ? new MonitorStack(app, stage.stackName("Monitor"), props, new MonitorStack.Props(stage.monitorPipelineName(),
                            stage.monitoring(), stage.processingInstanceType(), stage.captureUri(), resources))
                    : null;
            // The batch pipeline explains nothing: its settings keep the default explainability.
            batch = new BatchStack(app, stage.stackName("Batch"), props, new BatchStack.Props(stage.batchPipelineName(),
                    stage.pipelineSettings().explainability(Explainability.DEFAULT), stage.dataset(), resources));
            // Select reads the dataset contract the pipeline stack uploads.
            batch.addStackDependency(pipeline);
            for (Stack stack : all()) {
                Tags.of(stack).add("project", "lgbmops");
                Tags.of(stack).add("stage", stage.name());
            }
        }

        public List<Stack> all() {
            List<Stack> stacks = new java.util.ArrayList<>(List.of(storage, platform, image, deploy, pipeline, batch));
            if (monitor != null) {
                stacks.add(monitor);
            }
            return List.copyOf(stacks);
        }
    }

    static StorageStack.Props storageProps(StageConfig stage) {
        return new StorageStack.Props(stage.names(), stage.readBucketName(), stage.writeBucketName(), removalPolicy(stage),
                stage.imagesToKeep(), stage.artifactArchiveDays(), stage.checkpointRetentionDays(),
                stage.noncurrentVersionRetentionDays(), stage.accessLogRetentionDays());
    }

    static PlatformStack.Props platformProps(StageConfig stage, StorageStack storage) {
        return new PlatformStack.Props(stage.names(), stage.readBucketName(), stage.writeBucketName(), storage.key(),
                storage.repository(), removalPolicy(stage), stage.monitoring().enabled());
    }

    static ImageStack.Props imageProps(StageConfig stage, StorageStack storage, SourcePaths sources) {
        return new ImageStack.Props(stage.names(), storage.key(), storage.repository(), sources.containerDir());
    }

    /** What stack deletion does to the stage's stateful resources. */
    static RemovalPolicy removalPolicy(StageConfig stage) {
        return stage.dataRemovalPolicy() == StageConfig.DataRemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    }

    /** Environment-agnostic unless the stage pins an account or region. */
    static Environment environment(StageConfig stage) {
        if (stage.account() == null && stage.region() == null) {
            return null;
        }
        return Environment.builder().account(stage.account()).region(stage.region()).build();
    }
}
