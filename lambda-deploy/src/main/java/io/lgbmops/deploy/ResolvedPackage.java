package io.lgbmops.deploy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of {@code resolve-package}. Every value is a string because a pipeline's Lambda step
 * declares its outputs as strings; the keys are the output names the pipelines read.
 */
record ResolvedPackage(boolean found, String modelPackageArn, String modelDataUrl, String imageUri,
        String biasReportUri, String explainabilityReportUri, String evaluationReportUri, String reason) {

    static final String FOUND = "Found";
    static final String MODEL_PACKAGE_ARN = "ModelPackageArn";
    static final String MODEL_DATA_URL = "ModelDataUrl";
    static final String IMAGE_URI = "ImageUri";
    static final String BIAS_REPORT_URI = "BiasReportUri";
    static final String EXPLAINABILITY_REPORT_URI = "ExplainabilityReportUri";
    static final String EVALUATION_REPORT_URI = "EvaluationReportUri";
    static final String REASON = "Reason";

    /** Nothing to use: every report points at the marker document, the package fields are empty. */
    static ResolvedPackage notFound(String missingReportUri, String reason) {
        return new ResolvedPackage(false, "", "", "", missingReportUri, missingReportUri, missingReportUri, reason);
    }

    Map<String, String> outputs() {
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put(FOUND, Boolean.toString(found));
        outputs.put(MODEL_PACKAGE_ARN, modelPackageArn);
        outputs.put(MODEL_DATA_URL, modelDataUrl);
        outputs.put(IMAGE_URI, imageUri);
        outputs.put(BIAS_REPORT_URI, biasReportUri);
        outputs.put(EXPLAINABILITY_REPORT_URI, explainabilityReportUri);
        outputs.put(EVALUATION_REPORT_URI, evaluationReportUri);
        outputs.put(REASON, reason);
        return outputs;
    }
}
