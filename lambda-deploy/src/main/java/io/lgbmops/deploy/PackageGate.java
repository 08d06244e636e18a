package io.lgbmops.deploy;

import static io.lgbmops.deploy.AwsCalls.describe;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.F1Gate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;

/**
 * The F1 gate in front of every deployment and promotion: the package's evaluation report, read
 * from S3, against the highest threshold that applies to it.
 */
final class PackageGate {

    /** evaluation.json is a few hundred bytes; anything this large is not one. */
    static final int MAX_REPORT_BYTES = 1 << 20;

    private final DeployContext context;
    /** Python's json writes NaN and Infinity unquoted; read them so the gate can name them. */
    private final ObjectReader reportReader;

    PackageGate(DeployContext context) {
        this.context = context;
        this.reportReader = context.mapper().reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);
    }

    /** The outcome of the gate; {@code threshold} is the one applied (see {@link #threshold}). */
    record Verdict(boolean passed, Double f1, Double threshold, String reason) { }

    /** The threshold a package must reach, and where each candidate came from (for the reason). */
    private record Threshold(double value, String explanation) { }

    Verdict check(DescribeModelPackageResponse pkg, DeployRequest request) {
        Threshold threshold;
        try {
            threshold = threshold(pkg, request);
        } catch (IllegalArgumentException e) {
            return new Verdict(false, null, null, e.getMessage());
        }
        String uri = pkg.modelMetrics() == null || pkg.modelMetrics().modelQuality() == null
                || pkg.modelMetrics().modelQuality().statistics() == null
                ? null : pkg.modelMetrics().modelQuality().statistics().s3Uri();
        if (uri == null || uri.isBlank()) {
            return refused(threshold, "model package has no ModelMetrics.ModelQuality.Statistics.S3Uri");
        }
        GetObjectRequest get = context.translator().getEvaluationReport(uri);
        Optional<byte[]> report = describe("read evaluation report " + uri, () -> read(get));
        if (report.isEmpty()) {
            return refused(threshold, "evaluation report " + uri + " does not exist");
        }
        if (report.get().length > MAX_REPORT_BYTES) {
            return refused(threshold, "evaluation report " + uri + " is larger than " + MAX_REPORT_BYTES + " bytes");
        }
        JsonNode f1Node;
        try {
            f1Node = reportReader.readTree(report.get());
            for (String key : F1Gate.F1_JSON_KEYS) {
                f1Node = f1Node.path(key);
            }
        } catch (IOException e) {
            return refused(threshold, "evaluation report " + uri + " is not valid JSON");
        }
        if (!f1Node.isNumber()) {
            return refused(threshold, "evaluation report " + uri + " has no numeric " + F1Gate.F1_JSON_PATH + ", got "
                    + (f1Node.isMissingNode() ? "nothing" : f1Node.toString()));
        }
        double f1 = f1Node.doubleValue();
        // An F1 outside [0, 1] (5.0, 1e400 read as Infinity, NaN, -1) is a broken report, not a good model.
        if (!Double.isFinite(f1) || f1 < 0 || f1 > 1) {
            return refused(threshold, "evaluation report " + uri + " has " + F1Gate.F1_JSON_PATH + " "
                    + f1Node.asText() + ", which is not an F1 score (a finite number in [0, 1])");
        }
        if (f1 < threshold.value()) {
            return new Verdict(false, f1, threshold.value(), F1Gate.F1_JSON_PATH + " " + f1
                    + " is below the threshold " + threshold.value() + " (" + threshold.explanation() + ")");
        }
        return new Verdict(true, f1, threshold.value(), null);
    }

    private static Verdict refused(Threshold threshold, String reason) {
        return new Verdict(false, null, threshold.value(), reason);
    }

    /**
     * The highest of: the function's floor ({@code MIN_F1_THRESHOLD}), the threshold the pipeline
     * step passed, and the threshold recorded on the package when it was registered. An approval
     * event carries none, so the package's record applies; nothing can go below the floor.
     *
     * @throws IllegalArgumentException when the package records a threshold that is not one
     */
    private Threshold threshold(DescribeModelPackageResponse pkg, DeployRequest request) {
        double value = context.config().minF1Threshold();
        List<String> candidates = new ArrayList<>();
        candidates.add(DeploySettings.Setting.MIN_F1_THRESHOLD + " " + value);
        if (request.f1Threshold() != null) {
            value = Math.max(value, request.f1Threshold());
            candidates.add(DeployFunction.F1_THRESHOLD + " " + request.f1Threshold());
        }
        String recorded = pkg.hasCustomerMetadataProperties()
                ? pkg.customerMetadataProperties().get(DeployFunction.F1_THRESHOLD_METADATA) : null;
        if (recorded != null) {
            String field = "CustomerMetadataProperties." + DeployFunction.F1_THRESHOLD_METADATA;
            double parsed;
            try {
                parsed = Double.parseDouble(recorded.trim());
            } catch (NumberFormatException e) {
                parsed = Double.NaN;
            }
            if (!F1Gate.isThreshold(parsed)) {
                throw new IllegalArgumentException("model package " + pkg.modelPackageArn() + " records " + field
                        + " \"" + recorded + "\", which is not a threshold (a number in (0, 1])");
            }
            value = Math.max(value, parsed);
            candidates.add(field + " " + parsed);
        }
        return new Threshold(value, "the highest of " + String.join(", ", candidates));
    }

    private byte[] read(GetObjectRequest get) {
        try (ResponseInputStream<GetObjectResponse> in = context.s3().getObject(get)) {
            byte[] bytes = in.readNBytes(MAX_REPORT_BYTES + 1);
            if (bytes.length > MAX_REPORT_BYTES) {
                in.abort();
            }
            return bytes;
        } catch (IOException e) {
            throw new RetryableDeployException("reading s3://" + get.bucket() + "/" + get.key() + " failed: "
                    + e.getMessage(), e);
        }
    }
}
