package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeployFunction;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of {@code resolve-package}. Every value is a string because a pipeline's Lambda step
 * declares its outputs as strings; the keys are the output names the pipelines read,
 * {@link DeployFunction#RESOLVE_PACKAGE_OUTPUTS}.
 */
record ResolvedPackage(boolean found, String modelPackageArn, String modelDataUrl, String imageUri,
        String biasReportUri, String explainabilityReportUri, String evaluationReportUri, String reason) {

    /** Nothing to use: every report points at the marker document, the package fields are empty. */
    static ResolvedPackage notFound(String missingReportUri, String reason) {
        return new ResolvedPackage(false, "", "", "", missingReportUri, missingReportUri, missingReportUri, reason);
    }

    Map<String, String> outputs() {
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put(DeployFunction.FOUND, Boolean.toString(found));
        outputs.put(DeployFunction.RESOLVED_PACKAGE_ARN, modelPackageArn);
        outputs.put(DeployFunction.MODEL_DATA_URL, modelDataUrl);
        outputs.put(DeployFunction.IMAGE_URI, imageUri);
        outputs.put(DeployFunction.BIAS_REPORT_URI, biasReportUri);
        outputs.put(DeployFunction.EXPLAINABILITY_REPORT_URI, explainabilityReportUri);
        outputs.put(DeployFunction.EVALUATION_REPORT_URI, evaluationReportUri);
        outputs.put(DeployFunction.REASON, reason);
        return outputs;
    }
}
