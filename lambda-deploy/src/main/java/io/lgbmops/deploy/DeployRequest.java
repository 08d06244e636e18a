package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.DeploySettings.Setting;
import io.lgbmops.pipeline.deploy.F1Gate;
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
 * @param f1Threshold          the F1 threshold of the pipeline execution that asks ({@link DeployFunction#F1_THRESHOLD});
 *                             {@code null} for an approval event, which carries none
 */
public record DeployRequest(
        Source source,
        String modelPackageArn,
        String endpointName,
        String instanceType,
        int initialInstanceCount,
        Double f1Threshold) {

    /** The two ways the function is invoked. */
    public enum Source {
        PIPELINE(DeployFunction.MODEL_PACKAGE_ARN, DeployFunction.ENDPOINT_NAME, DeployFunction.INSTANCE_TYPE,
                DeployFunction.INITIAL_INSTANCE_COUNT),
        MODEL_PACKAGE_EVENT("detail.ModelPackageArn", Setting.ENDPOINT_NAME.name(), Setting.INSTANCE_TYPE.name(),
                Setting.INITIAL_INSTANCE_COUNT.name());

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
        if (endpointName == null || !DeploySettings.RESOURCE_NAME.matcher(endpointName).matches()) {
            throw new InvalidEventException(source.endpointField,
                    "must match " + DeploySettings.RESOURCE_NAME.pattern() + ", got " + quote(endpointName));
        }
        if (instanceType == null || !DeploySettings.INSTANCE_TYPE.matcher(instanceType).matches()) {
            throw new InvalidEventException(source.instanceTypeField,
                    "must be a SageMaker instance type such as ml.m5.large, got " + quote(instanceType));
        }
        if (initialInstanceCount < 1 || initialInstanceCount > DeploySettings.MAX_INSTANCES) {
            throw new InvalidEventException(source.countField,
                    "must be in [1, " + DeploySettings.MAX_INSTANCES + "], got " + initialInstanceCount);
        }
        if (f1Threshold != null && !F1Gate.isThreshold(f1Threshold)) {
            throw new InvalidEventException(DeployFunction.F1_THRESHOLD, "must be a number in (0, 1], got " + f1Threshold);
        }
    }

    private static String quote(String value) {
        return value == null ? "nothing" : "\"" + value + "\"";
    }
}
