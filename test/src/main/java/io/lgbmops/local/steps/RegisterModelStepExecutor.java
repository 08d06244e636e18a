package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepExecutor;
import io.lgbmops.local.execution.StepOutcome;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.pipeline.StepGraph;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.CreateModelPackageRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;

/**
 * A RegisterModel step: CreateModelPackage in the emulator. In an account the group exists (the
 * platform stack creates it); the emulator starts empty, so it is created when missing.
 */
public final class RegisterModelStepExecutor implements StepExecutor {

    @Override
    public StepOutcome run(StepGraph.Node step, RunContext context) {
        ObjectNode arguments = context.arguments(step);
        CreateModelPackageRequest request = SdkShapes.modelPackage(arguments);
        boolean created = request.modelPackageGroupName() != null
                && ensureGroup(context.sageMaker(), request.modelPackageGroupName());
        CreateModelPackageResponse response = context.sageMaker().createModelPackage(request);
        DescribeModelPackageResponse described = context.sageMaker()
                .describeModelPackage(b -> b.modelPackageName(response.modelPackageArn()));
        ObjectNode properties = arguments.deepCopy();
        properties.put("ModelPackageArn", response.modelPackageArn());
        properties.put("ModelPackageName", described.modelPackageName());
        properties.put("ModelPackageStatus", described.modelPackageStatusAsString());
        properties.put("ModelApprovalStatus", described.modelApprovalStatusAsString());
        if (described.modelPackageVersion() != null) {
            properties.put("ModelPackageVersion", described.modelPackageVersion());
        }
        String figure = described.modelPackageGroupName() + " version " + described.modelPackageVersion()
                + ", " + described.modelApprovalStatusAsString() + (created ? " (group created in the emulator)" : "");
        return StepOutcome.succeeded(properties, figure,
                Json.object().put("modelPackageArn", response.modelPackageArn()).put("groupCreated", created));
    }

    /** Returns true when the group had to be created. */
    static boolean ensureGroup(SageMakerClient sageMaker, String group) {
        try {
            sageMaker.describeModelPackageGroup(b -> b.modelPackageGroupName(group));
            return false;
        } catch (SageMakerException e) {
            if (e.statusCode() >= 500) {
                throw e;
            }
        }
        sageMaker.createModelPackageGroup(b -> b.modelPackageGroupName(group)
                .modelPackageGroupDescription("created by the local pipeline runner"));
        return true;
    }
}
