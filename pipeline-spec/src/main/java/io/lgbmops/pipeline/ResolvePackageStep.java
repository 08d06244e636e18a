package io.lgbmops.pipeline;

import io.lgbmops.pipeline.deploy.DeployFunction;
import java.util.List;
import java.util.Map;

/** The Lambda step that calls the deploy function's {@code resolve-package}, as both pipelines do. */
final class ResolvePackageStep {

    private ResolvePackageStep() {}

    /**
     * @param modelPackageArn  the package to resolve; empty: the group's latest Approved one
     * @param required         whether the step fails when there is no package
     * @param missingReportKey key, in the write bucket, of the marker answered for an absent report
     */
    static LambdaStep of(String name, String description, PipelineSettings settings, Value modelPackageArn,
            boolean required, String missingReportKey) {
        return new LambdaStep(name, description, List.of(), settings.deployFunctionArn(),
                Map.of(DeployFunction.OPERATION, Value.text(DeployFunction.RESOLVE_PACKAGE),
                        DeployFunction.MODEL_PACKAGE_GROUP, Value.text(settings.modelPackageGroupName()),
                        DeployFunction.MODEL_PACKAGE_ARN, modelPackageArn,
                        DeployFunction.REQUIRED, Value.text(String.valueOf(required)),
                        DeployFunction.MISSING_REPORT_URI,
                        Join.s3Uri(Value.text(settings.writeBucketName()), Value.text(missingReportKey))),
                DeployFunction.RESOLVE_PACKAGE_OUTPUTS.stream().map(LambdaOutput::string).toList());
    }
}
