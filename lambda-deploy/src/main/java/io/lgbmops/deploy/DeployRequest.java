package io.lgbmops.deploy;

import java.util.regex.Pattern;

/**
 * One validated request to make {@code modelPackageArn} the live model of {@code endpointName}.
 * Built by {@link EventParser} from either input shape; the compact constructor rejects anything
 * the SageMaker API would reject later, naming the field.
 *
 * @param source               which input shape it came from (field names in errors differ)
 * @param modelPackageArn      versioned model package to deploy
 * @param endpointName         endpoint to create or update
 * @param instanceType         instance type of the production variant
 * @param initialInstanceCount initial instance count of the production variant
 * @param f1Threshold          the F1 threshold of the pipeline execution that asks ({@code f1_threshold});
 *                             {@code null} for an approval event, which carries none
 */
public record DeployRequest(
        Source source,
        String modelPackageArn,
        String endpointName,
        String instanceType,
        int initialInstanceCount,
        Double f1Threshold) {

    /** The pipeline step's argument carrying its execution's F1Threshold parameter. */
    public static final String F1_THRESHOLD_FIELD = "f1_threshold";

    /**
     * Key of the threshold the pipeline records on a package it registers
     * (CustomerMetadataProperties); an approval event is gated on it.
     */
    public static final String F1_THRESHOLD_METADATA = "f1_threshold";

    /** The two ways the function is invoked. */
    public enum Source {
        PIPELINE("model_package_arn", "endpoint_name", "instance_type", "initial_instance_count"),
        MODEL_PACKAGE_EVENT("detail.ModelPackageArn", "ENDPOINT_NAME", "INSTANCE_TYPE", "INITIAL_INSTANCE_COUNT");

        final String arnField;
        final String endpointField;
        final String instanceTypeField;
        final String countField;

        Source(String arnField, String endpointField, String instanceTypeField, String countField) {
            this.arnField = arnField;
            this.endpointField = endpointField;
            this.instanceTypeField = instanceTypeField;
            this.countField = countField;
        }

        /** Name of the input field that carries the model package ARN. */
        public String arnField() {
            return arnField;
        }
    }

    static final Pattern MODEL_PACKAGE_ARN =
            Pattern.compile("^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\\d{12}:model-package/[^\\s/]{1,63}/\\d{1,6}$");

    public DeployRequest {
        if (source == null) {
            throw new IllegalArgumentException("source is required");
        }
        if (modelPackageArn == null || !MODEL_PACKAGE_ARN.matcher(modelPackageArn).matches()) {
            throw new InvalidEventException(source.arnField,
                    "must be a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>), got "
                            + quote(modelPackageArn));
        }
        if (endpointName == null || !DeployConfig.RESOURCE_NAME.matcher(endpointName).matches()) {
            throw new InvalidEventException(source.endpointField,
                    "must match " + DeployConfig.RESOURCE_NAME.pattern() + ", got " + quote(endpointName));
        }
        if (instanceType == null || !DeployConfig.INSTANCE_TYPE.matcher(instanceType).matches()) {
            throw new InvalidEventException(source.instanceTypeField,
                    "must be a SageMaker instance type such as ml.m5.large, got " + quote(instanceType));
        }
        if (initialInstanceCount < 1 || initialInstanceCount > 100) {
            throw new InvalidEventException(source.countField,
                    "must be in [1, 100], got " + initialInstanceCount);
        }
        if (f1Threshold != null && !isThreshold(f1Threshold)) {
            throw new InvalidEventException(F1_THRESHOLD_FIELD, "must be a number in (0, 1], got " + f1Threshold);
        }
    }

    /** A usable F1 threshold: finite, above 0 (0 would let anything through) and at most 1. */
    static boolean isThreshold(double value) {
        return value > 0 && value <= 1;
    }

    private static String quote(String value) {
        return value == null ? "nothing" : "\"" + value + "\"";
    }
}
