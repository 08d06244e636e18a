package io.lgbmops.pipeline;

import static io.lgbmops.pipeline.ExecutionRolePermissions.MODELS;
import static io.lgbmops.pipeline.ExecutionRolePermissions.followJobs;
import static io.lgbmops.pipeline.ExecutionRolePermissions.PROCESSING_JOBS;
import static io.lgbmops.pipeline.ExecutionRolePermissions.generatedArn;
import static io.lgbmops.pipeline.ExecutionRolePermissions.invokeDeployFunction;
import static io.lgbmops.pipeline.ExecutionRolePermissions.passRoles;
import static io.lgbmops.pipeline.ExecutionRolePermissions.processingJobs;
import static io.lgbmops.pipeline.ExecutionRolePermissions.tagging;

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

    private static final String TRANSFORM_JOBS = generatedArn("transform-job");

    /** The one action whose statement must carry the key conditions (sagemaker:VolumeKmsKey, sagemaker:OutputKmsKey). */
    public static final String CREATE_TRANSFORM_JOB = "sagemaker:CreateTransformJob";

    public static final List<Statement> STATEMENTS = List.of(
            invokeDeployFunction("ResolvePackage", "ResolvePackage (the deploy function's resolve-package operation)"),
            new Statement(Duty.PIPELINE, "ScoringModel",
                    List.of("sagemaker:CreateModel", "sagemaker:DescribeModel"),
                    List.of(MODELS),
                    "ScoringModel"),
            // Apart from Describe/Stop: the app conditions the start on the stage key encrypting volume and output.
            new Statement(Duty.PIPELINE, "StartTransformJobs",
                    List.of(CREATE_TRANSFORM_JOB),
                    List.of(TRANSFORM_JOBS),
                    "Score"),
            followJobs("TransformJobs", "TransformJob", TRANSFORM_JOBS, "Score"),
            processingJobs("Select"),
            tagging(MODELS, TRANSFORM_JOBS, PROCESSING_JOBS),
            passRoles("PassModelAndJobRoles",
                    "the scoring model (and its transform job) runs as the model role, Select as the job role",
                    "{modelRoleArn}", "{jobRoleArn}"));

    private BatchRolePermissions() {}
}
