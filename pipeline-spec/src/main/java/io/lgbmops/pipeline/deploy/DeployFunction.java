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

    private DeployFunction() {}
}
