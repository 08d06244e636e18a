package io.lgbmops.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What the handler returns (as JSON, snake_case, absent fields omitted) and logs.
 *
 * @param status             the decision
 * @param endpointName       the endpoint concerned
 * @param endpointConfigName the endpoint config that is (or is becoming) live
 * @param modelName          the model behind it
 * @param modelPackageArn    the package the invocation was about
 * @param modelPackageVersion its version in the group
 * @param f1                 the F1 read from the package's evaluation report
 * @param f1Threshold        the gate it was compared with
 * @param autoscaling        APPLIED, PENDING (applied once the endpoint is InService) or SUSPENDED_FOR_UPDATE
 * @param deleted            old models and endpoint configs removed by this invocation
 * @param reason             why, in a sentence, naming the field or value that decided
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record DeployResult(
        DeployStatus status,
        String endpointName,
        String endpointConfigName,
        String modelName,
        String modelPackageArn,
        Integer modelPackageVersion,
        Double f1,
        Double f1Threshold,
        String autoscaling,
        List<String> deleted,
        String reason) {

    public DeployResult {
        deleted = deleted == null ? List.of() : List.copyOf(deleted);
    }

    static DeployResult of(DeployStatus status, String endpointName, String reason) {
        return new DeployResult(status, endpointName, null, null, null, null, null, null, null, null, reason);
    }

    DeployResult withDeleted(List<String> names) {
        return new DeployResult(status, endpointName, endpointConfigName, modelName, modelPackageArn,
                modelPackageVersion, f1, f1Threshold, autoscaling, names, reason);
    }
}
