package io.lgbmops.pipeline;

import io.lgbmops.pipeline.ExecutionRolePermissions.Duty;
import io.lgbmops.pipeline.ExecutionRolePermissions.Statement;
import java.util.List;

/**
 * What the batch pipeline's own role must be allowed to do for the steps of {@link BatchPipeline}:
 * invoke the deploy function (ResolvePackage), create the model (ScoringModel), run the transform
 * job (Score) and the processing job (Select), tag them, and pass the model and job roles to
 * SageMaker. Placeholders as in {@link ExecutionRolePermissions}.
 *
 * <p>SageMaker Pipelines names the model, the transform job and the processing job of a step
 * {@code pipelines-<execution id>-<step>-<suffix>}, so every SageMaker resource is limited to that prefix.
 */
public final class BatchRolePermissions {

    private static final String SAGEMAKER = "arn:{partition}:sagemaker:{region}:{account}:";
    private static final String MODELS = SAGEMAKER + "model/" + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*";
    private static final String TRANSFORM_JOBS = SAGEMAKER + "transform-job/" + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*";
    private static final String PROCESSING_JOBS = SAGEMAKER + "processing-job/" + ExecutionRolePermissions.GENERATED_NAME_PREFIX + "*";

    /** The one action whose statement must carry the key conditions (sagemaker:VolumeKmsKey, sagemaker:OutputKmsKey). */
    public static final String CREATE_TRANSFORM_JOB = "sagemaker:CreateTransformJob";

    public static final List<Statement> STATEMENTS = List.of(
            new Statement(Duty.PIPELINE, "ResolvePackage",
                    List.of("lambda:InvokeFunction"),
                    List.of("{deployFunctionArn}"),
                    "ResolvePackage (the deploy function's resolve-package operation)"),
            new Statement(Duty.PIPELINE, "ScoringModel",
                    List.of("sagemaker:CreateModel", "sagemaker:DescribeModel"),
                    List.of(MODELS),
                    "ScoringModel"),
            // Apart from Describe/Stop: the app conditions the start on the stage key encrypting volume and output.
            new Statement(Duty.PIPELINE, "StartTransformJobs",
                    List.of(CREATE_TRANSFORM_JOB),
                    List.of(TRANSFORM_JOBS),
                    "Score"),
            new Statement(Duty.PIPELINE, "TransformJobs",
                    List.of("sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"),
                    List.of(TRANSFORM_JOBS),
                    "Score"),
            new Statement(Duty.PIPELINE, "ProcessingJobs",
                    List.of("sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"),
                    List.of(PROCESSING_JOBS),
                    "Select"),
            new Statement(Duty.PIPELINE, "TagWhatThePipelineCreates",
                    List.of("sagemaker:AddTags", "sagemaker:ListTags"),
                    List.of(MODELS, TRANSFORM_JOBS, PROCESSING_JOBS),
                    "Pipelines tag every resource they create with the pipeline execution"),
            new Statement(Duty.PIPELINE, "PassModelAndJobRoles",
                    List.of("iam:PassRole"),
                    List.of("{modelRoleArn}", "{jobRoleArn}"),
                    "the scoring model (and its transform job) runs as the model role, Select as the job role; "
                            + "condition iam:PassedToService = sagemaker.amazonaws.com"));

    private BatchRolePermissions() {}
}
