package io.lgbmops.infra;

import io.lgbmops.infra.config.MonitoringConfig;
import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.ExecutionRolePermissions;
import io.lgbmops.pipeline.MonitorPipeline;
import io.lgbmops.pipeline.MonitorSettings;
import io.lgbmops.pipeline.PipelineDefinition;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.PipelineValidator;
import io.lgbmops.pipeline.deploy.CaptureManifest;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.StageNames;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sagemaker.CfnPipeline;
import software.amazon.awscdk.services.scheduler.CfnSchedule;
import software.constructs.Construct;

/**
 * How a stage watches its live model: the monitoring pipeline (from `pipeline-spec`'s
 * {@link MonitorPipeline}) with its own role, an EventBridge Scheduler schedule that starts it
 * with its own role, and alarms on the drift figures it publishes (where the stage retrains on
 * drift, DeployStack's rule sends them to the deploy function's rate-limited {@code retrain}).
 * The endpoint's capture itself is configured by the deploy function (see
 * {@link DeploySettings}).
 */
public final class MonitorStack extends Stack {

    private final PipelineDefinition definition;

    /**
     * What the monitoring pipeline checks, when, and what it runs with.
     *
     * @param pipelineName           the monitoring pipeline's name
     * @param monitoring             the schedule, window and drift limits
     * @param processingInstanceType instance type of the Monitor step's job
     * @param captureUri             where the endpoint's data capture goes (the deploy function's setting)
     * @param resources              the stage's pipeline resources
     */
    public record Props(String pipelineName, MonitoringConfig monitoring, String processingInstanceType, String captureUri,
            PipelineResources resources) {
    }

    public MonitorStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        PipelineResources resources = props.resources();
        StageNames stage = resources.names();
        MonitoringConfig monitoring = props.monitoring();
        String functionArn = resources.deployFunction().getFunctionArn();

        PipelineSettings settings = resources.wire(PipelineSettings.builder())
                .modelPackageGroupName(stage.modelPackageGroupName())
                .endpointName(stage.endpointName())
                .processingInstanceType(props.processingInstanceType())
                .build();
        definition = MonitorPipeline.build(settings,
                new MonitorSettings(monitoring.windowHours(), monitoring.minCapturedRows(), monitoring.maxFeaturePsi()));
        PipelineValidator.validate(definition);

        Role pipelineRole = Role.Builder.create(this, "MonitorPipelineRole")
                .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com"))
                .description("Role SageMaker Pipelines acts as to run the steps of " + props.pipelineName())
                .build();
        String processingJobs = arn("sagemaker", "processing-job", ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*");
        Policy permissions = Policy.Builder.create(this, "MonitorPipelinePermissions")
                .roles(List.of(pipelineRole))
                .statements(List.of(
                        PolicyStatement.Builder.create().sid("MonitorJob")
                                .actions(List.of("sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob",
                                        "sagemaker:StopProcessingJob", "sagemaker:AddTags", "sagemaker:ListTags"))
                                .resources(List.of(processingJobs)).build(),
                        PolicyStatement.Builder.create().sid("InvokeDeployFunction")
                                .actions(List.of("lambda:InvokeFunction")).resources(List.of(functionArn)).build(),
                        PolicyStatement.Builder.create().sid("PassJobRole")
                                .actions(List.of("iam:PassRole"))
                                .resources(List.of(resources.jobRole().getRoleArn()))
                                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")))
                                .build()))
                .build();
        NagAcknowledgements.acknowledgeResource(permissions, "arn:" + NagAcknowledgements.PARTITION + ":sagemaker:"
                        + NagAcknowledgements.REGION + ":" + NagAcknowledgements.ACCOUNT + ":processing-job/"
                        + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*",
                "SageMaker Pipelines name the Monitor step's job pipelines-<execution>-Monitor-<suffix> per execution; "
                        + "processing jobs only, in this account and region.");

        CfnPipeline pipeline = CfnPipeline.Builder.create(this, "Pipeline")
                .pipelineName(props.pipelineName())
                .pipelineDisplayName(props.pipelineName())
                .pipelineDescription("Drift of " + stage.endpointName() + "'s captured requests against its live model ("
                        + stage.stage() + ")")
                .roleArn(pipelineRole.getRoleArn())
                .pipelineDefinition(Map.of("PipelineDefinitionBody", definition.toCompactJson()))
                .build();
        pipeline.getNode().addDependency(permissions);

        Role schedulerRole = Role.Builder.create(this, "ScheduleRole")
                .assumedBy(ServicePrincipal.Builder.create("scheduler.amazonaws.com")
                        .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", getAccount())))
                        .build())
                .description("EventBridge Scheduler starts " + props.pipelineName() + ", and nothing else")
                .build();
        schedulerRole.addToPolicy(Statements.allow(List.of("sagemaker:StartPipelineExecution"),
                List.of(pipelineArn(props.pipelineName()))));
        CfnSchedule schedule = CfnSchedule.Builder.create(this, "Schedule")
                .name(props.pipelineName())
                .description("Starts " + props.pipelineName() + " over the last " + monitoring.windowHours() + " hours")
                .scheduleExpression(monitoring.schedule())
                .flexibleTimeWindow(CfnSchedule.FlexibleTimeWindowProperty.builder().mode("OFF").build())
                .state("ENABLED")
                .target(CfnSchedule.TargetProperty.builder()
                        .arn(pipelineArn(props.pipelineName()))
                        .roleArn(schedulerRole.getRoleArn())
                        .sageMakerPipelineParameters(CfnSchedule.SageMakerPipelineParametersProperty.builder()
                                .pipelineParameterList(List.of(CfnSchedule.SageMakerPipelineParameterProperty.builder()
                                        .name(MonitorPipeline.WINDOW_HOURS)
                                        .value(Integer.toString(monitoring.windowHours()))
                                        .build()))
                                .build())
                        .retryPolicy(CfnSchedule.RetryPolicyProperty.builder()
                                .maximumRetryAttempts(3).maximumEventAgeInSeconds(3600).build())
                        .build())
                .build();
        schedule.getNode().addDependency(pipeline);

        driftAlarm("MaxFeaturePsiAlarm", stage.maxFeaturePsiAlarmName(), MonitorPipeline.MAX_FEATURE_PSI,
                monitoring.maxFeaturePsi(), monitoring, "the largest per-feature PSI", stage.endpointName());
        driftAlarm("PredictionPsiAlarm", stage.predictionPsiAlarmName(), MonitorPipeline.PREDICTION_PSI,
                monitoring.maxPredictionPsi(), monitoring, "the prediction-score PSI", stage.endpointName());
        // The rule that retrains on these alarms lives beside the deploy function it invokes (DeployStack).

        CfnOutput.Builder.create(this, "MonitorPipelineName").value(pipeline.getPipelineName())
                .description("run a check now with: aws sagemaker start-pipeline-execution --pipeline-name <this>").build();
        CfnOutput.Builder.create(this, "CaptureUri").value(props.captureUri())
                .description("where the endpoint's data capture goes (<endpoint>/<variant>/yyyy/mm/dd/hh/)").build();
    }

    /** The alarm on a drift figure: above the stage's limit for driftEvaluationPeriods windows in a row. */
    private Alarm driftAlarm(String id, String name, String metricName, double limit, MonitoringConfig monitoring,
            String what, String endpoint) {
        return Alarm.Builder.create(this, id)
                .alarmName(name)
                .alarmDescription(what + " of the endpoint's captured requests against the live model's training data "
                        + "stayed above " + limit + " for " + monitoring.driftEvaluationPeriods() + " windows")
                .metric(Metric.Builder.create()
                        .namespace(MonitorPipeline.METRICS_NAMESPACE)
                        .metricName(metricName)
                        .dimensionsMap(Map.of(MonitorPipeline.ENDPOINT_DIMENSION, endpoint))
                        .statistic("Maximum")
                        .period(Duration.hours(monitoring.windowHours()))
                        .build())
                .threshold(limit)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .evaluationPeriods(monitoring.driftEvaluationPeriods())
                .datapointsToAlarm(monitoring.driftEvaluationPeriods())
                // A window with too few rows publishes no drift figure: no evidence either way.
                .treatMissingData(TreatMissingData.IGNORE)
                .build();
    }

    /**
     * The deploy function's monitoring calls: listing the endpoint's capture prefix and writing its
     * capture manifests (describe-live), PutMetricData in our namespace only and, where the stage
     * retrains on drift, listing and starting executions of the training pipeline only.
     */
    static void grantDeployFunction(Stack scope, Role role, DeploySettings settings, StageNames stage, String writeBucketName,
            String keyArn) {
        if (settings.dataCapturePercent() == 0) {
            return;
        }
        String bucket = "arn:" + scope.getPartition() + ":s3:::" + writeBucketName;
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket))
                .conditions(Map.of("StringLike", Map.of("s3:prefix",
                        MonitorPipeline.capturePrefix(stage.endpointName()) + "*")))
                .build());
        String manifests = CaptureManifest.manifestPrefix(stage.endpointName()) + "*";
        role.addToPolicy(Statements.allow(List.of("s3:PutObject"), List.of(bucket + "/" + manifests)));
        // The write bucket takes only objects encrypted with the stage's key.
        role.addToPolicy(Statements.allow(List.of("kms:GenerateDataKey"), List.of(keyArn)));
        NagAcknowledgements.acknowledgeObjects(role, stage.writeBucketName(NagAcknowledgements.ACCOUNT,
                        NagAcknowledgements.REGION), manifests,
                "describe-live names each capture manifest after its window; write-only, under our endpoint's "
                        + "manifest prefix of our write bucket only.");
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", MonitorPipeline.METRICS_NAMESPACE)))
                .build());
        if (settings.trainingPipelineName().isPresent()) {
            role.addToPolicy(Statements.allow(List.of("sagemaker:ListPipelineExecutions", "sagemaker:StartPipelineExecution"),
                    List.of(scope.formatArn(ArnComponents.builder().service("sagemaker").resource("pipeline")
                            .resourceName(settings.trainingPipelineName().get()).build()))));
        }
    }

    /** The model role writes the endpoint's captures (SageMaker captures as the endpoint's execution role). */
    static void grantCapture(Stack scope, IRole modelRole, StageNames stage, String writeBucketName, String keyArn) {
        String captures = MonitorPipeline.capturePrefix(stage.endpointName()) + "*";
        modelRole.addToPrincipalPolicy(Statements.allow(List.of("s3:PutObject"),
                List.of("arn:" + scope.getPartition() + ":s3:::" + writeBucketName + "/" + captures)));
        modelRole.addToPrincipalPolicy(Statements.allow(List.of("kms:GenerateDataKey", "kms:Encrypt"), List.of(keyArn)));
        NagAcknowledgements.acknowledgeObjects(modelRole, stage.writeBucketName(NagAcknowledgements.ACCOUNT,
                        NagAcknowledgements.REGION), captures,
                "SageMaker names the capture files itself (<variant>/yyyy/mm/dd/hh/<file>.jsonl); write-only, "
                        + "under our endpoint's capture prefix of our write bucket only.");
    }

    private String arn(String service, String resource, String name) {
        return formatArn(ArnComponents.builder().service(service).resource(resource).resourceName(name).build());
    }

    private String pipelineArn(String name) {
        return arn("sagemaker", "pipeline", name);
    }

    public PipelineDefinition definition() {
        return definition;
    }
}
