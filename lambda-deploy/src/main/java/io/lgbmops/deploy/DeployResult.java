package io.lgbmops.deploy;

import com.fasterxml.jackson.core.JsonGenerator;
import io.lgbmops.pipeline.deploy.DeployFunction;
import java.io.IOException;
import java.util.List;

/**
 * What the handler returns (as JSON, snake_case) and logs. {@code status}, {@code endpoint_name}
 * and {@code endpoint_config_name} are always present; other absent fields are omitted.
 *
 * @param status             the decision
 * @param endpointName       the endpoint concerned
 * @param endpointConfigName the endpoint config that is (or is becoming) live
 * @param modelName          the model behind it
 * @param modelPackageArn    the package the invocation was about
 * @param modelPackageVersion its version in the group
 * @param f1                 the F1 read from the package's evaluation report
 * @param f1Threshold        the gate it was compared with
 * @param autoscaling        APPLIED, RETAINED or PENDING (applied once the endpoint is InService)
 * @param deleted            old models and endpoint configs removed by this invocation
 * @param reason             why, in a sentence, naming the field or value that decided
 * @param traffic            which model serves what share after the decision (A/B and shadow modes,
 *                           promotions and rollbacks); empty in replace mode
 */
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
        String reason,
        List<Share> traffic) {

    /**
     * One variant's part: a production variant answers {@code percent} of the requests; a shadow
     * gets a copy of {@code percent} of them and answers none.
     */
    public record Share(String variant, String modelName, Integer modelPackageVersion, int percent, boolean shadow) { }

    public DeployResult {
        deleted = deleted == null ? List.of() : List.copyOf(deleted);
        traffic = traffic == null ? List.of() : List.copyOf(traffic);
    }

    /** A result that names only the decision, the endpoint and why. */
    static DeployResult of(DeployStatus status, String endpointName, String reason) {
        return decided(status, endpointName, reason).build();
    }

    /** The start of a result: the decision, the endpoint and why; the rest is named step by step. */
    static Builder decided(DeployStatus status, String endpointName, String reason) {
        return new Builder(status, endpointName, reason);
    }

    DeployResult withDeleted(List<String> names) {
        return toBuilder().deleted(names).build();
    }

    private Builder toBuilder() {
        return decided(status, endpointName, reason).endpointConfig(endpointConfigName, modelName)
                .modelPackage(modelPackageArn, modelPackageVersion).gate(f1, f1Threshold).autoscaling(autoscaling)
                .deleted(deleted).traffic(traffic);
    }

    /** Names each optional part of a result; what is not named stays absent. */
    static final class Builder {
        private final DeployStatus status;
        private final String endpointName;
        private final String reason;
        private String endpointConfigName;
        private String modelName;
        private String modelPackageArn;
        private Integer modelPackageVersion;
        private Double f1;
        private Double f1Threshold;
        private String autoscaling;
        private List<String> deleted;
        private List<Share> traffic;

        private Builder(DeployStatus status, String endpointName, String reason) {
            this.status = status;
            this.endpointName = endpointName;
            this.reason = reason;
        }

        /** The endpoint config that is (or is becoming) live, and the model behind it. */
        Builder endpointConfig(String configName, String model) {
            endpointConfigName = configName;
            modelName = model;
            return this;
        }

        Builder modelPackage(String arn, Integer version) {
            modelPackageArn = arn;
            modelPackageVersion = version;
            return this;
        }

        /** The F1 read from the package's report and the threshold it was compared with. */
        Builder gate(Double value, Double threshold) {
            f1 = value;
            f1Threshold = threshold;
            return this;
        }

        Builder autoscaling(String state) {
            autoscaling = state;
            return this;
        }

        Builder deleted(List<String> names) {
            deleted = names;
            return this;
        }

        Builder traffic(List<Share> shares) {
            traffic = shares;
            return this;
        }

        DeployResult build() {
            return new DeployResult(status, endpointName, endpointConfigName, modelName, modelPackageArn,
                    modelPackageVersion, f1, f1Threshold, autoscaling, deleted, reason, traffic);
        }
    }

    /**
     * Writes the fields (not the enclosing braces), so a log line can put them after its own.
     * Written by hand rather than by data binding: no reflection on the cold path.
     */
    void writeFields(JsonGenerator json) throws IOException {
        json.writeStringField(DeployFunction.STATUS_OUTPUT, status.name());
        // The pipeline's Lambda step declares these three as outputs, and a step fails when one is
        // missing, so they are always present: empty when no endpoint config is concerned.
        json.writeStringField(DeployFunction.ENDPOINT_NAME_OUTPUT, endpointName == null ? "" : endpointName);
        json.writeStringField(DeployFunction.ENDPOINT_CONFIG_NAME_OUTPUT, endpointConfigName == null ? "" : endpointConfigName);
        text(json, "model_name", modelName);
        text(json, DeployFunction.MODEL_PACKAGE_ARN, modelPackageArn);
        if (modelPackageVersion != null) {
            json.writeNumberField("model_package_version", modelPackageVersion);
        }
        if (f1 != null) {
            json.writeNumberField("f1", f1);
        }
        if (f1Threshold != null) {
            json.writeNumberField(DeployFunction.F1_THRESHOLD, f1Threshold);
        }
        text(json, "autoscaling", autoscaling);
        if (!deleted.isEmpty()) {
            json.writeArrayFieldStart("deleted");
            for (String name : deleted) {
                json.writeString(name);
            }
            json.writeEndArray();
        }
        text(json, "reason", reason);
        if (!traffic.isEmpty()) {
            json.writeArrayFieldStart("traffic");
            for (Share share : traffic) {
                json.writeStartObject();
                json.writeStringField("variant", share.variant());
                json.writeStringField("model_name", share.modelName());
                if (share.modelPackageVersion() != null) {
                    json.writeNumberField("model_package_version", share.modelPackageVersion());
                }
                json.writeStringField("role", share.shadow() ? "shadow" : "production");
                json.writeNumberField(share.shadow() ? "copied_percent" : "answered_percent", share.percent());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
    }

    private static void text(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
