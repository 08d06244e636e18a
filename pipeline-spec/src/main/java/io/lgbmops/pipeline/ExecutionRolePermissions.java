package io.lgbmops.pipeline;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the roles of the pipeline must be allowed to do for these steps, by duty: the pipeline role
 * (the pipeline's RoleArn: SageMaker Pipelines starts jobs and creates packages as it) and the job
 * role (processing, tuning and training jobs run as it). The model role (the model's container and
 * its endpoint) is the deploy function's to pass; the pipeline creates no model, except in the
 * clarify mode ({@link #CLARIFY_STATEMENTS}). Resources are ARN patterns with
 * {@code {partition}}, {@code {region}}, {@code {account}}, {@code {modelPackageGroup}} and the
 * role and function placeholders to fill in; storage, key and image access is left to the CDK
 * grants listed in {@link #GRANTS}.
 *
 * <p>Pipelines name what they create themselves: processing jobs are named
 * {@code pipelines-<execution id>-<step>-<suffix>}, so those ARNs are limited to that prefix; tuning jobs get a generated name with no fixed prefix, and their training
 * jobs are named by the tuning job.
 */
public final class ExecutionRolePermissions {

    /** Which role a statement belongs to. */
    public enum Duty { PIPELINE, JOB, MODEL }

    /** One IAM statement: the role, the actions, the resources they should be limited to, and why. */
    public record Statement(Duty duty, String sid, List<String> actions, List<String> resources, String why) {
        public Statement {
            actions = List.copyOf(actions);
            resources = List.copyOf(resources);
        }
    }

    /** Prefix of the names SageMaker Pipelines generates for the processing jobs and models of a step. */
    public static final String GENERATED_NAME_PREFIX = "pipelines-";
    static final String PROCESSING_JOBS = generatedArn("processing-job");
    static final String MODELS = generatedArn("model");
    private static final String TUNING_JOBS = sagemakerArn("hyper-parameter-tuning-job/*");
    private static final String TRAINING_JOBS = sagemakerArn("training-job/*");
    private static final String GROUP = sagemakerArn("model-package-group/{modelPackageGroup}");
    private static final String PACKAGES = sagemakerArn("model-package/{modelPackageGroup}/*");
    private static final String CLARIFY_ENDPOINTS = sagemakerArn("endpoint/sm-clarify-*");
    private static final String CLARIFY_ENDPOINT_CONFIGS = sagemakerArn("endpoint-config/sm-clarify-*");
    private static final String CLARIFY_ENDPOINT_LOGS =
            "arn:{partition}:logs:{region}:{account}:log-group:/aws/sagemaker/Endpoints/sm-clarify-*:*";

    /**
     * What the clarify mode ({@link Explainability#CLARIFY}) adds: CreateModel, the ClarifyCheck
     * steps reading the group's approved baseline, and the shadow endpoint each Clarify job starts
     * from the model (Clarify runs as the job role, without network isolation).
     */
    public static final List<Statement> CLARIFY_STATEMENTS = List.of(
            new Statement(Duty.PIPELINE, "ClarifyModels",
                    List.of("sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:AddTags"),
                    List.of(MODELS),
                    "CreateModel, the model the Clarify checks run against"),
            new Statement(Duty.PIPELINE, "ClarifyBaselines",
                    List.of("sagemaker:ListModelPackages"),
                    List.of(GROUP, PACKAGES),
                    "the ClarifyCheck steps fetch the group's latest approved baseline"),
            passRoles("PassModelRole", "CreateModel runs the model as the model role", "{modelRoleArn}"),
            new Statement(Duty.JOB, "ClarifyShadowEndpoints",
                    List.of("sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig",
                            "sagemaker:DeleteEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:DescribeEndpoint",
                            "sagemaker:DeleteEndpoint", "sagemaker:InvokeEndpoint", "sagemaker:AddTags"),
                    List.of(CLARIFY_ENDPOINTS, CLARIFY_ENDPOINT_CONFIGS),
                    "the Clarify jobs start, call and delete a temporary endpoint for the model"),
            new Statement(Duty.JOB, "ClarifyReadsTheModel",
                    List.of("sagemaker:DescribeModel"),
                    List.of(MODELS),
                    "the Clarify jobs read the model of CreateModel to start their shadow endpoint"),
            new Statement(Duty.MODEL, "ClarifyShadowEndpointLogs",
                    List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
                    List.of(CLARIFY_ENDPOINT_LOGS),
                    "the model's container logs to the Clarify shadow endpoint's log group, named by Clarify"));

    public static final List<Statement> STATEMENTS = List.of(
            processingJobs("Preprocess, Evaluate and Explain"),
            new Statement(Duty.PIPELINE, "TuningJobs",
                    List.of("sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob",
                            "sagemaker:StopHyperParameterTuningJob",
                            "sagemaker:ListTrainingJobsForHyperParameterTuningJob"),
                    List.of(TUNING_JOBS),
                    "Tune"),
            followJobs("TrainingJobsOfTuning", "TrainingJob", TRAINING_JOBS,
                    "the training jobs Tune launches, whose best one the pipeline reads"),
            new Statement(Duty.PIPELINE, "ModelPackages",
                    List.of("sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage",
                            "sagemaker:DescribeModelPackageGroup"),
                    List.of(GROUP, PACKAGES),
                    "Register into this stage's group"),
            tagging(PROCESSING_JOBS, TUNING_JOBS, TRAINING_JOBS, PACKAGES),
            invokeDeployFunction("InvokeDeployFunction", "Deploy"),
            passRoles("PassJobRole", "every processing and tuning job runs as the job role", "{jobRoleArn}"));

    /** Access the CDK app should give with L2 grants rather than hand-written statements. */
    public static final Map<String, String> GRANTS = Map.of(
            "read bucket", "job role: read: Preprocess reads InputDataUri",
            "write bucket", "job role: read/write: every step's outputs and checkpoints; "
                    + "pipeline role: read the property files of pipeline runs; model role: read model artifacts",
            "KMS key", "encrypt/decrypt for the job role, decrypt for the others; kms:CreateGrant only for AWS "
                    + "resources (job volumes, endpoint volumes)",
            "image repository", "pull: processing, training and the model use our image");

    private ExecutionRolePermissions() {}

    /** {@code arn:{partition}:sagemaker:{region}:{account}:<resource>}. */
    static String sagemakerArn(String resource) {
        return "arn:{partition}:sagemaker:{region}:{account}:" + resource;
    }

    /** The resources of one type that SageMaker Pipelines names for a step ({@link #GENERATED_NAME_PREFIX}). */
    static String generatedArn(String resourceType) {
        return sagemakerArn(resourceType + "/" + GENERATED_NAME_PREFIX + "*");
    }

    /** The pipeline starts, watches and stops the processing jobs of its steps. */
    static Statement processingJobs(String steps) {
        return new Statement(Duty.PIPELINE, "ProcessingJobs",
                List.of("sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"),
                List.of(PROCESSING_JOBS), steps);
    }

    /** The pipeline follows (Describe) and may stop the jobs of one kind, e.g. {@code TrainingJob}, that a step started. */
    static Statement followJobs(String sid, String jobKind, String resource, String steps) {
        return new Statement(Duty.PIPELINE, sid, List.of("sagemaker:Describe" + jobKind, "sagemaker:Stop" + jobKind),
                List.of(resource), steps);
    }

    /** Pipelines tag every resource they create with the execution, so the pipeline role tags them. */
    static Statement tagging(String... resources) {
        return new Statement(Duty.PIPELINE, "TagWhatThePipelineCreates", List.of("sagemaker:AddTags", "sagemaker:ListTags"),
                List.of(resources), "Pipelines tag every resource they create with the pipeline execution");
    }

    /** A Lambda step of the pipeline calls the deploy function. */
    static Statement invokeDeployFunction(String sid, String steps) {
        return new Statement(Duty.PIPELINE, sid, List.of("lambda:InvokeFunction"), List.of("{deployFunctionArn}"), steps);
    }

    /** The pipeline hands roles to what it starts; the app limits the pass to SageMaker. */
    static Statement passRoles(String sid, String why, String... roleArns) {
        return new Statement(Duty.PIPELINE, sid, List.of("iam:PassRole"), List.of(roleArns),
                why + "; condition iam:PassedToService = sagemaker.amazonaws.com");
    }

    /** Every action in {@link #STATEMENTS}, sorted. */
    public static List<String> actions() {
        TreeSet<String> actions = new TreeSet<>();
        STATEMENTS.forEach(statement -> actions.addAll(statement.actions()));
        return List.copyOf(actions);
    }

    /** The statements of one role. */
    public static List<Statement> of(Duty duty) {
        return STATEMENTS.stream().filter(statement -> statement.duty() == duty).toList();
    }

    /** The statements of one role in a mode: {@link #CLARIFY_STATEMENTS} added for clarify. */
    public static List<Statement> of(Duty duty, Explainability mode) {
        var statements = new java.util.ArrayList<>(of(duty));
        if (mode == Explainability.CLARIFY) {
            CLARIFY_STATEMENTS.stream().filter(statement -> statement.duty() == duty).forEach(statements::add);
        }
        return List.copyOf(statements);
    }
}
