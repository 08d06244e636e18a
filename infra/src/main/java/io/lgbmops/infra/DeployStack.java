package io.lgbmops.infra;

import io.lgbmops.infra.constructs.NagAcknowledgements;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.DeploySettings.DeploymentMode;
import io.lgbmops.pipeline.deploy.StageNames;
import io.lgbmops.pipeline.deploy.Variants;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.events.EventField;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The deploy Lambda of a stage and what drives it: the function (Java, SnapStart, invoked through
 * its `live` alias), its least-privilege role, the EventBridge rule on approved model packages of
 * our group, an encrypted dead-letter queue that keeps every event that still fails after retries,
 * alarms on errors and on the queue, and the endpoint alarms that roll a bad update back.
 */
public final class DeployStack extends Stack {
    private final Alias liveFunction;
    private final Queue deadLetters;

    /**
     * What the deploy function is configured with and may act on.
     *
     * @param names           the stage's naming scheme (endpoint, model package group, alarms)
     * @param settings        the function's settings (its environment), naming {@code modelRole} and {@code key}
     * @param writeBucketName the write bucket, whose evaluation reports (and capture manifests) the function reads
     * @param key             the data key of the endpoint's volume and the write bucket
     * @param modelRole       the role the function passes to the models it creates
     * @param functionJar     the built deploy Lambda jar
     */
    public record Props(StageNames names, DeploySettings settings, String writeBucketName, IKey key, IRole modelRole,
            Path functionJar) {
    }

    public DeployStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        StageNames stage = props.names();
        DeploySettings settings = props.settings();
        String endpoint = stage.endpointName();

        String serverErrors = stage.rollbackAlarmNames().get(0);
        String latency = stage.rollbackAlarmNames().get(1);
        endpointAlarm("EndpointServerErrors", serverErrors,
                metric(endpoint, "Invocation5XXErrors", "Sum"), 1, "5xx responses of the endpoint; rolls an update back");
        endpointAlarm("EndpointLatency", latency,
                metric(endpoint, "ModelLatency", "p99"), 500_000, "p99 model latency above 500 ms; rolls an update back");

        Role role = Role.Builder.create(this, "DeployFunctionRole")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("Deploys approved, F1-gated model packages of " + stage.resourcePrefix() + " to " + endpoint)
                .build();
        LogGroup logs = LogGroup.Builder.create(this, "DeployFunctionLogs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        grant(role, props, endpoint);
        MonitorStack.grantDeployFunction(this, role, settings, stage, props.writeBucketName(), props.key().getKeyArn());
        logs.grantWrite(role);
        Map<String, String> environment = settings.toEnvironment();

        deadLetters = Queue.Builder.create(this, "DeployDeadLetters")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();

        Function function = Function.Builder.create(this, "DeployFunction")
                .description("Turns an approved model package that passes the F1 gate into the autoscaled endpoint " + endpoint)
                .runtime(Runtime.JAVA_25)
                .handler("io.lgbmops.deploy.DeployHandler::handleRequest")
                .code(Code.fromAsset(props.functionJar().toString()))
                .memorySize(1024)
                .timeout(Duration.minutes(2))
                .role(role)
                .environment(environment)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                // Deploys of one endpoint are serialised; a second concurrent event waits for a retry.
                .reservedConcurrentExecutions(1)
                .logGroup(logs)
                // Events that still fail after Lambda's own retries (e.g. the endpoint stayed busy) are kept here.
                .retryAttempts(2)
                .maxEventAge(Duration.hours(6))
                .onFailure(new SqsDestination(deadLetters))
                .build();
        // SnapStart snapshots published versions only; everything invokes the alias.
        liveFunction = Alias.Builder.create(this, "Live").aliasName("live").version(function.getCurrentVersion()).build();
        software.amazon.awscdk.Validations.of(function).acknowledge(software.amazon.awscdk.Acknowledgment.builder()
                .id("Annotation::@aws-cdk/aws-lambda:snapStartRequirePublish")
                .reason("This stack publishes the function's current version and invokes it only through the live alias.")
                .build());

        Rule approvals = Rule.Builder.create(this, "ApprovedModelPackages")
                .description("Approved model packages of " + stage.modelPackageGroupName() + " go to the deploy Lambda")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.sagemaker"))
                        .detailType(List.of("SageMaker Model Package State Change"))
                        .detail(Map.of(
                                "ModelPackageGroupName", List.of(stage.modelPackageGroupName()),
                                "ModelApprovalStatus", List.of("Approved")))
                        .build())
                .build();
        approvals.addTarget(target(null));

        // After an update, the endpoint's return to InService re-applies autoscaling to the new variant.
        Rule endpointChanges = Rule.Builder.create(this, "EndpointStateChanges")
                .description("State changes of " + endpoint + " let the deploy Lambda re-apply autoscaling")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.sagemaker"))
                        .detailType(List.of("SageMaker Endpoint State Change"))
                        .detail(Map.of("EndpointName", List.of(endpoint)))
                        .build())
                .build();
        endpointChanges.addTarget(target(null));

        if (settings.mode() != DeploymentMode.REPLACE) {
            pullBadNewcomer(settings.mode(), endpoint);
        }
        if (settings.trainingPipelineName().isPresent()) {
            retrainOnDrift(stage, settings.retrainMinHours());
        }

        Alarm.Builder.create(this, "DeployFunctionErrors")
                .alarmDescription("The deploy Lambda of " + endpoint + " failed")
                .metric(liveFunction.metricErrors().with(software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                        .period(Duration.minutes(5)).statistic("Sum").build()))
                .threshold(1)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        Alarm.Builder.create(this, "DeployDeadLettersWaiting")
                .alarmDescription("Deploy events of " + endpoint + " that failed for good wait in the dead-letter queue")
                .metric(deadLetters.metricApproximateNumberOfMessagesVisible().with(
                        software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().period(Duration.minutes(5)).statistic("Maximum").build()))
                .threshold(1)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();

        NagAcknowledgements.acknowledge(deadLetters, "AwsSolutions-SQS3",
                "This queue is itself the dead-letter queue of the deploy Lambda and its EventBridge target; a DLQ of a DLQ adds nothing.");
        CfnOutput.Builder.create(this, "DeployFunctionArn").value(liveFunction.getFunctionArn())
                .description("the deploy Lambda's live alias, invoked by the pipeline and by EventBridge").build();
        CfnOutput.Builder.create(this, "DeadLetterQueueUrl").value(deadLetters.getQueueUrl())
                .description("deploy events that failed after every retry").build();
    }

    /**
     * 5xx and latency alarms on the challenger's (or shadow's) variant, and a rule that sends the
     * function a rollback when one goes into ALARM: a bad newcomer is pulled without a person.
     * The rollback names no version, so it removes whichever challenger or shadow is live then.
     */
    private void pullBadNewcomer(DeploymentMode mode, String endpoint) {
        String variant = Variants.newcomer(mode);
        String role = variant.toLowerCase(java.util.Locale.ROOT);
        String serverErrors = endpoint + "-" + role + "-5xx";
        String latency = endpoint + "-" + role + "-latency";
        endpointAlarm(variant + "ServerErrors", serverErrors, metric(endpoint, variant, "Invocation5XXErrors", "Sum"), 1,
                "5xx responses of the " + role + " variant; the deploy Lambda rolls it back");
        endpointAlarm(variant + "Latency", latency, metric(endpoint, variant, "ModelLatency", "p99"), 500_000,
                "p99 model latency of the " + role + " variant above 500 ms; the deploy Lambda rolls it back");
        Rule pull = Rule.Builder.create(this, variant + "Alarms")
                .description("An alarm on the " + role + " of " + endpoint + " rolls it back")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.cloudwatch"))
                        .detailType(List.of("CloudWatch Alarm State Change"))
                        .detail(Map.of(
                                "alarmName", List.of(serverErrors, latency),
                                "state", Map.of("value", List.of("ALARM"))))
                        .build())
                .build();
        pull.addTarget(target(RuleTargetInput.fromObject(InOrder.<Object>map(
                DeployFunction.OPERATION, DeployFunction.ROLLBACK,
                DeployFunction.OPERATION_REASON, EventField.fromPath("$.detail.alarmName")))));
    }

    /**
     * The monitoring stack's drift alarms, on going into ALARM, ask the function to retrain; the
     * function starts the training pipeline at most once per retrainMinHours, however often they flap.
     */
    private void retrainOnDrift(StageNames stage, int retrainMinHours) {
        Rule retrain = Rule.Builder.create(this, "RetrainOnDrift")
                .description("A drift alarm of " + stage.endpointName() + " retrains, at most once per "
                        + retrainMinHours + " hours")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.cloudwatch"))
                        .detailType(List.of("CloudWatch Alarm State Change"))
                        .detail(Map.of(
                                "alarmName", List.of(stage.maxFeaturePsiAlarmName(), stage.predictionPsiAlarmName()),
                                "state", Map.of("value", List.of("ALARM"))))
                        .build())
                .build();
        retrain.addTarget(target(RuleTargetInput.fromObject(InOrder.<Object>map(
                DeployFunction.OPERATION, DeployFunction.RETRAIN,
                DeployFunction.OPERATION_REASON, EventField.fromPath("$.detail.alarmName")))));
    }

    /**
     * The live alias as a rule's target: EventBridge retries for six hours, then keeps the event in
     * the dead-letter queue.
     *
     * @param event what the function receives, or null for the matched event itself
     */
    private LambdaFunction target(RuleTargetInput event) {
        return LambdaFunction.Builder.create(liveFunction)
                .event(event)
                .deadLetterQueue(deadLetters)
                .retryAttempts(10)
                .maxEventAge(Duration.hours(6))
                .build();
    }

    private Metric metric(String endpoint, String name, String statistic) {
        return metric(endpoint, Variants.CHAMPION, name, statistic);
    }

    private Metric metric(String endpoint, String variant, String name, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/SageMaker")
                .metricName(name)
                .dimensionsMap(InOrder.map("EndpointName", endpoint, "VariantName", variant))
                .statistic(statistic)
                .period(Duration.minutes(1))
                .build();
    }

    private Alarm endpointAlarm(String id, String name, Metric metric, double threshold, String description) {
        return Alarm.Builder.create(this, id)
                .alarmName(name)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(2)
                .datapointsToAlarm(2)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
    }

    private String arn(String service, String resource, String name) {
        return formatArn(ArnComponents.builder().service(service).resource(resource).resourceName(name).build());
    }

    /** Exactly the calls the deploy Lambda makes, on our group's packages and our endpoint's names only. */
    private void grant(Role role, Props props, String endpoint) {
        String group = props.names().modelPackageGroupName();
        String versions = StageNames.versionedNames(endpoint);
        role.addToPolicy(Statements.allow(List.of("sagemaker:DescribeModelPackage"), List.of(arn("sagemaker", "model-package", group + "/*"))));
        role.addToPolicy(Statements.allow(List.of("sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:DeleteModel", "sagemaker:AddTags"),
                List.of(arn("sagemaker", "model", versions))));
        role.addToPolicy(Statements.allow(List.of("sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig",
                "sagemaker:DeleteEndpointConfig", "sagemaker:AddTags"), List.of(arn("sagemaker", "endpoint-config", versions))));
        // UpdateEndpointWeightsAndCapacities: Application Auto Scaling checks that the caller may scale the variant.
        role.addToPolicy(Statements.allow(List.of("sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities",
                "sagemaker:AddTags"), List.of(arn("sagemaker", "endpoint", endpoint))));
        // CreateEndpoint and UpdateEndpoint act on the endpoint and on the endpoint config they are given.
        role.addToPolicy(Statements.allow(List.of("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"),
                List.of(arn("sagemaker", "endpoint", endpoint), arn("sagemaker", "endpoint-config", versions))));
        // ListModelPackages (resolve-package: the group's latest Approved version) names no resource.
        role.addToPolicy(Statements.allow(List.of("sagemaker:ListModels", "sagemaker:ListEndpointConfigs", "sagemaker:ListModelPackages",
                "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"), List.of("*")));
        // Scalable-target ARNs carry an id Application Auto Scaling assigns, so no ARN names our variant:
        // the conditions keep these calls to SageMaker variant instance counts, and registering one
        // also needs DescribeEndpoint and UpdateEndpointWeightsAndCapacities, which only our endpoint allows.
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("application-autoscaling:RegisterScalableTarget",
                        "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:PutScalingPolicy",
                        "application-autoscaling:DeleteScalingPolicy"))
                .resources(List.of(arn("application-autoscaling", "scalable-target", "*")))
                .conditions(Map.of("StringEquals", Map.of(
                        "application-autoscaling:service-namespace", "sagemaker",
                        "application-autoscaling:scalable-dimension", "sagemaker:variant:DesiredInstanceCount")))
                .build());
        role.addToPolicy(Statements.allow(List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"),
                List.of(formatArn(ArnComponents.builder().service("cloudwatch").resource("alarm")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME).resourceName("TargetTracking-endpoint/" + endpoint + "/*").build()))));
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("iam:CreateServiceLinkedRole"))
                .resources(List.of(formatArn(ArnComponents.builder().service("iam").region("").resource("role")
                        .resourceName("aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*").build())))
                .conditions(Map.of("StringLike", Map.of("iam:AWSServiceName", "sagemaker.application-autoscaling.amazonaws.com")))
                .build());
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("iam:PassRole"))
                .resources(List.of(props.modelRole().getRoleArn()))
                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")))
                .build());
        String runs = io.lgbmops.pipeline.LightGbmPipeline.RUNS_PREFIX + "/*";
        role.addToPolicy(Statements.allow(List.of("s3:GetObject"), List.of(software.amazon.awscdk.services.s3.Bucket
                .fromBucketName(this, "WriteBucket", props.writeBucketName()).arnForObjects(runs))));
        acknowledgeFindings(role, props.names(), endpoint, runs);
        role.addToPolicy(Statements.allow(List.of("kms:Decrypt", "kms:DescribeKey"), List.of(props.key().getKeyArn())));
        // The endpoint's storage volume is encrypted with the key: SageMaker creates the grant for it.
        role.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("kms:CreateGrant"))
                .resources(List.of(props.key().getKeyArn()))
                .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))
                .build());
    }

    private static void acknowledgeFindings(Role role, StageNames stage, String endpoint, String runs) {
        String sagemaker = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:";
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put(sagemaker + "model-package/" + stage.modelPackageGroupName() + "/*",
                "Versions of our model package group only; the version number is assigned by SageMaker at registration.");
        reasons.put(sagemaker + "model/" + endpoint + "-v*",
                "Models the function names <endpoint>-v<package version>-<hash>; only this endpoint's versions.");
        reasons.put(sagemaker + "endpoint-config/" + endpoint + "-v*",
                "Endpoint configs the function names <endpoint>-v<package version>-<hash>; only this endpoint's versions.");
        reasons.put("arn:<AWS::Partition>:application-autoscaling:<AWS::Region>:<AWS::AccountId>:scalable-target/*",
                "Application Auto Scaling assigns scalable-target ids itself, so no ARN can name our variant; conditions limit the "
                        + "calls to SageMaker variant instance counts, and registering needs sagemaker:DescribeEndpoint and "
                        + "UpdateEndpointWeightsAndCapacities, which this role has on our endpoint only.");
        reasons.put("arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:TargetTracking-endpoint/" + endpoint + "/*",
                "Target tracking creates and removes its own alarms, named after our endpoint's scalable target.");
        reasons.put("arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*",
                "Only the service-linked role of SageMaker autoscaling, created once per account, with an AWSServiceName condition.");
        reasons.put("arn:<AWS::Partition>:s3:::" + stage.writeBucketName(NagAcknowledgements.ACCOUNT, NagAcknowledgements.REGION)
                + "/" + runs,
                "Reads the evaluation report of a registered package; read-only, pipeline run outputs of our write bucket only.");
        reasons.put("*", "sagemaker:ListModels, sagemaker:ListEndpointConfigs and Application Auto Scaling's Describe calls support "
                + "no resource-level permissions; they are read-only and used to find and clean up our own versions. "
                + "cloudwatch:PutMetricData (monitoring stages) has no resources either; a condition keeps it to our namespace.");
        reasons.forEach((resource, reason) -> NagAcknowledgements.acknowledgeResource(role, resource, reason));
    }


    /** The live alias: what the pipeline's Lambda step and the EventBridge rule invoke. */
    public IFunction liveFunction() {
        return liveFunction;
    }
}
