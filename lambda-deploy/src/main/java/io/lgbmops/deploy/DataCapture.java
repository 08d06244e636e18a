package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeploySettings;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sagemaker.model.CaptureContentTypeHeader;
import software.amazon.awssdk.services.sagemaker.model.CaptureMode;
import software.amazon.awssdk.services.sagemaker.model.CaptureOption;
import software.amazon.awssdk.services.sagemaker.model.DataCaptureConfig;

/**
 * The data capture every endpoint config of this function carries: a share of the requests and of
 * the answers, written by SageMaker as JSON Lines under
 * {@code <DATA_CAPTURE_S3_URI>/<endpoint>/<variant>/yyyy/mm/dd/hh/}, encrypted with the stage's key.
 * The monitoring pipeline reads them back from {@link #endpointPrefix}.
 */
final class DataCapture {

    /** The content types the serving container accepts and answers with; captured as text, not base64. */
    static final List<String> CSV_CONTENT_TYPES = List.of("text/csv");
    static final List<String> JSON_CONTENT_TYPES = List.of("application/json");

    private final DeploySettings config;

    DataCapture(DeploySettings config) {
        this.config = config;
    }

    /** Empty when the stage captures nothing. */
    Optional<DataCaptureConfig> config() {
        if (config.dataCapturePercent() == 0) {
            return Optional.empty();
        }
        DataCaptureConfig.Builder builder = DataCaptureConfig.builder()
                .enableCapture(true)
                .initialSamplingPercentage(config.dataCapturePercent())
                .destinationS3Uri(config.dataCaptureS3Uri().orElseThrow())
                .captureOptions(CaptureOption.builder().captureMode(CaptureMode.INPUT).build(),
                        CaptureOption.builder().captureMode(CaptureMode.OUTPUT).build())
                .captureContentTypeHeader(CaptureContentTypeHeader.builder()
                        .csvContentTypes(CSV_CONTENT_TYPES)
                        .jsonContentTypes(JSON_CONTENT_TYPES)
                        .build());
        config.kmsKeyId().ifPresent(builder::kmsKeyId);
        return Optional.of(builder.build());
    }

    /**
     * What the capture adds to an endpoint config's name: a changed sampling share or destination
     * makes a new config, because SageMaker cannot change the capture of an existing one.
     */
    List<String> nameInputs() {
        return config.dataCapturePercent() == 0 ? List.of()
                : List.of("capture", Integer.toString(config.dataCapturePercent()),
                        config.dataCaptureS3Uri().orElseThrow(), config.kmsKeyId().orElse(""));
    }

    /** Where SageMaker writes this endpoint's captures, with a trailing slash; empty without capture. */
    Optional<String> endpointPrefix() {
        return config.dataCaptureS3Uri().map(uri -> uri + "/" + config.endpointName() + "/");
    }
}
