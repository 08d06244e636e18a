package io.lgbmops.pipeline.deploy;

import java.util.List;

/**
 * The deploy function's interface as its callers see it: the pipeline's Deploy step (arguments in,
 * outputs back), the package metadata it gates an approval event on, and the operations an
 * operator or an alarm rule sends.
 */
public final class DeployFunction {

    /** The Deploy step's arguments. */
    public static final String MODEL_PACKAGE_ARN = "model_package_arn";
    public static final String ENDPOINT_NAME = "endpoint_name";
    public static final String INSTANCE_TYPE = "instance_type";
    public static final String INITIAL_INSTANCE_COUNT = "initial_instance_count";
    /** The argument carrying the execution's F1Threshold parameter. */
    public static final String F1_THRESHOLD = "f1_threshold";
    public static final List<String> ARGUMENTS =
            List.of(MODEL_PACKAGE_ARN, ENDPOINT_NAME, INSTANCE_TYPE, INITIAL_INSTANCE_COUNT, F1_THRESHOLD);

    /**
     * Key of the threshold the pipeline records on a package it registers
     * (CustomerMetadataProperties); an approval event, which carries none, is gated on it.
     */
    public static final String F1_THRESHOLD_METADATA = "f1_threshold";

    /** The results the Deploy step declares as outputs (the step fails when one is missing). */
    public static final String STATUS_OUTPUT = "status";
    public static final String ENDPOINT_NAME_OUTPUT = "endpoint_name";
    public static final String ENDPOINT_CONFIG_NAME_OUTPUT = "endpoint_config_name";
    public static final List<String> OUTPUTS = List.of(STATUS_OUTPUT, ENDPOINT_NAME_OUTPUT, ENDPOINT_CONFIG_NAME_OUTPUT);

    /** An operation event: {@code {"operation": "rollback", "reason": "<alarm name>"}}. */
    public static final String OPERATION = "operation";
    public static final String OPERATION_REASON = "reason";
    public static final String ROLLBACK = "rollback";
    public static final String PROMOTE = "promote";
    /** Starts the training pipeline, unless its latest execution is recent (an alarm's rule sends it). */
    public static final String RETRAIN = "retrain";

    /**
     * The operation both pipelines find a package with: the one {@link #MODEL_PACKAGE_ARN} names, or
     * else the group's latest Approved one, with its reports.
     */
    public static final String RESOLVE_PACKAGE = "resolve-package";
    public static final String MODEL_PACKAGE_GROUP = "model_package_group";
    /** {@code "true"}: fail when there is no package; {@code "false"}: answer {@link #FOUND} false. */
    public static final String REQUIRED = "required";
    /** The URI answered for each report the package lacks (a marker document the stack uploads). */
    public static final String MISSING_REPORT_URI = "missing_report_uri";
    /** What resolve-package answers. */
    public static final String FOUND = "Found";
    public static final String RESOLVED_PACKAGE_ARN = "ModelPackageArn";
    public static final String MODEL_DATA_URL = "ModelDataUrl";
    public static final String IMAGE_URI = "ImageUri";
    public static final String BIAS_REPORT_URI = "BiasReportUri";
    public static final String EXPLAINABILITY_REPORT_URI = "ExplainabilityReportUri";
    public static final String EVALUATION_REPORT_URI = "EvaluationReportUri";
    public static final String REASON = "Reason";
    public static final List<String> RESOLVE_PACKAGE_OUTPUTS = List.of(FOUND, RESOLVED_PACKAGE_ARN, MODEL_DATA_URL,
            IMAGE_URI, BIAS_REPORT_URI, EXPLAINABILITY_REPORT_URI, EVALUATION_REPORT_URI, REASON);

    /** The monitoring pipeline's operations: the live model and a window's captures, then the figures to CloudWatch. */
    public static final String DESCRIBE_LIVE = "describe-live";
    public static final List<String> DESCRIBE_LIVE_OUTPUTS = List.of("endpoint_name", "variant_name", "model_name",
            MODEL_PACKAGE_ARN, "model_data_url", "capture_uri", "window_start", "window_end");
    public static final String PUBLISH_METRICS = "publish-metrics";
    public static final List<String> PUBLISH_METRICS_OUTPUTS = List.of("status", "namespace", "published");

    private DeployFunction() {}
}
