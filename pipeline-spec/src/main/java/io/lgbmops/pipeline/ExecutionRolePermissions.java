package io.lgbmops.pipeline;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the pipeline's execution role (the pipeline's RoleArn, which every job in it also runs
 * as) must be allowed to do for these steps. Resources are ARN patterns with {@code {partition}},
 * {@code {region}} and {@code {account}} to fill in; storage, key and image access is left to the
 * CDK grants listed in {@link #GRANTS}.
 */
public final class ExecutionRolePermissions {

    /** One IAM statement: the actions, the resources they should be limited to, and why. */
    public record Statement(String sid, List<String> actions, List<String> resources, String why) {
        public Statement {
            actions = List.copyOf(actions);
            resources = List.copyOf(resources);
        }
    }

    private static final String SAGEMAKER = "arn:{partition}:sagemaker:{region}:{account}:";

    public static final List<Statement> STATEMENTS = List.of(
            new Statement("ProcessingJobs",
                    List.of("sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob",
                            "sagemaker:StopProcessingJob"),
                    List.of(SAGEMAKER + "processing-job/*"),
                    "Preprocess and Evaluate, and the Clarify jobs of ClarifyBias and ClarifyExplainability"),
            new Statement("TuningAndTrainingJobs",
                    List.of("sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob",
                            "sagemaker:StopHyperParameterTuningJob",
                            "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                            "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"),
                    List.of(SAGEMAKER + "hyper-parameter-tuning-job/*", SAGEMAKER + "training-job/*"),
                    "Tune, and the training jobs it launches"),
            new Statement("Models",
                    List.of("sagemaker:CreateModel", "sagemaker:DescribeModel"),
                    List.of(SAGEMAKER + "model/*"),
                    "CreateModel, and Clarify reading that model for its shadow endpoint"),
            new Statement("ModelPackages",
                    List.of("sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage",
                            "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"),
                    List.of(SAGEMAKER + "model-package/*", SAGEMAKER + "model-package-group/*"),
                    "Register, and the ClarifyCheck steps fetching the latest approved baseline from the group"),
            new Statement("ClarifyShadowEndpoints",
                    List.of("sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig",
                            "sagemaker:DeleteEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:DescribeEndpoint",
                            "sagemaker:DeleteEndpoint", "sagemaker:InvokeEndpoint"),
                    List.of(SAGEMAKER + "endpoint/sm-clarify-*", SAGEMAKER + "endpoint-config/sm-clarify-*"),
                    "the Clarify jobs start, call and delete a temporary endpoint for the model"),
            new Statement("TagWhatThePipelineCreates",
                    List.of("sagemaker:AddTags", "sagemaker:ListTags"),
                    List.of(SAGEMAKER + "processing-job/*", SAGEMAKER + "hyper-parameter-tuning-job/*",
                            SAGEMAKER + "training-job/*", SAGEMAKER + "model/*", SAGEMAKER + "model-package/*",
                            SAGEMAKER + "endpoint/sm-clarify-*", SAGEMAKER + "endpoint-config/sm-clarify-*"),
                    "Pipelines tag every resource they create with the pipeline execution"),
            new Statement("InvokeDeployFunction",
                    List.of("lambda:InvokeFunction"),
                    List.of("{deployFunctionArn}"),
                    "Deploy"),
            new Statement("PassOwnRoleToJobs",
                    List.of("iam:PassRole"),
                    List.of("{executionRoleArn}"),
                    "every job runs as this role; condition iam:PassedToService = sagemaker.amazonaws.com"),
            new Statement("JobLogsAndMetrics",
                    List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                            "logs:DescribeLogStreams", "cloudwatch:PutMetricData"),
                    List.of("arn:{partition}:logs:{region}:{account}:log-group:/aws/sagemaker/*", "*"),
                    "job logs; metrics (cloudwatch:PutMetricData takes no resource: condition "
                            + "cloudwatch:namespace = /aws/sagemaker/*)"));

    /** Access the CDK app should give with L2 grants rather than hand-written statements. */
    public static final Map<String, String> GRANTS = Map.of(
            "read bucket", "grantRead: Preprocess reads InputDataUri",
            "write bucket", "grantReadWrite: every step's outputs, checkpoints, model artifacts, Clarify configs",
            "KMS key", "grantEncryptDecrypt, plus kms:CreateGrant and kms:DescribeKey: job volumes and outputs",
            "image repository", "grantPull: processing, training and the model use our image");

    private ExecutionRolePermissions() {}

    /** Every action in {@link #STATEMENTS}, sorted. */
    public static List<String> actions() {
        TreeSet<String> actions = new TreeSet<>();
        STATEMENTS.forEach(statement -> actions.addAll(statement.actions()));
        return List.copyOf(actions);
    }
}
