package io.lgbmops.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SageMaker Clarify analysis configuration documents of the two ClarifyCheck steps, and the
 * monitoring variants that the registered model package points to as drift-check config files.
 * Static files: the stack uploads them under {@link LightGbmPipeline#SETTINGS_PREFIX}.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html">Analysis Configuration Files</a>
 */
final class ClarifyAnalysisConfigs {

    static final String MODEL_BIAS = "clarify/model-bias/analysis_config.json";
    static final String MODEL_BIAS_MONITORING = "clarify/model-bias/monitoring_analysis_config.json";
    static final String MODEL_EXPLAINABILITY = "clarify/model-explainability/analysis_config.json";
    static final String MODEL_EXPLAINABILITY_MONITORING =
            "clarify/model-explainability/monitoring_analysis_config.json";

    /** Clarify turns the probability our model returns into a label with this cut-off. */
    static final double PROBABILITY_THRESHOLD = 0.5;

    private ClarifyAnalysisConfigs() {}

    /** File key (relative to the settings prefix) to JSON text, in a stable order. */
    static Map<String, String> documents(PipelineSettings settings) {
        Map<String, String> documents = new LinkedHashMap<>();
        documents.put(MODEL_BIAS, PipelineJson.write(modelBias(settings)));
        documents.put(MODEL_BIAS_MONITORING, PipelineJson.write(modelBiasMonitoring()));
        documents.put(MODEL_EXPLAINABILITY, PipelineJson.write(modelExplainability(settings)));
        documents.put(MODEL_EXPLAINABILITY_MONITORING, PipelineJson.write(modelExplainabilityMonitoring(settings)));
        return Map.copyOf(documents);
    }

    /** Post-training bias (DPPL) of the model's predictions on the baseline sample. */
    static Map<String, Object> modelBias(PipelineSettings settings) {
        Map<String, Object> config = new LinkedHashMap<>(dataset());
        config.putAll(biasFacet());
        config.put("methods", Map.of(
                "post_training_bias", Map.of("methods", List.of("DPPL")),
                "report", report()));
        config.put("predictor", predictor(settings));
        config.put("probability_threshold", PROBABILITY_THRESHOLD);
        return config;
    }

    /** SHAP attributions of the model's score against one median/mode record. */
    static Map<String, Object> modelExplainability(PipelineSettings settings) {
        Map<String, Object> config = new LinkedHashMap<>(dataset());
        config.put("methods", Map.of(
                "shap", shap(),
                "report", report()));
        config.put("predictor", predictor(settings));
        return config;
    }

    /**
     * What a ModelBiasMonitor needs to recheck the same facet on live traffic; the shape the
     * SageMaker SDK's BiasAnalysisConfig writes.
     */
    static Map<String, Object> modelBiasMonitoring() {
        Map<String, Object> config = new LinkedHashMap<>(biasFacet());
        config.put("headers", CensusData.COLUMNS);
        config.put("label", CensusData.LABEL);
        return config;
    }

    /**
     * What a ModelExplainabilityMonitor needs (the SDK's ExplainabilityAnalysisConfig shape):
     * feature headers only, since live requests carry no label.
     */
    static Map<String, Object> modelExplainabilityMonitoring(PipelineSettings settings) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("methods", Map.of("shap", shap()));
        config.put("predictor", predictor(settings));
        config.put("headers", CensusData.FEATURES);
        return config;
    }

    /** The baseline sample preprocess writes: headerless CSV, label first. */
    private static Map<String, Object> dataset() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("version", "1.0");
        config.put("dataset_type", "text/csv");
        config.put("headers", CensusData.COLUMNS);
        config.put("label", CensusData.LABEL);
        return config;
    }

    private static Map<String, Object> biasFacet() {
        return Map.of(
                "label_values_or_threshold", List.of(CensusData.POSITIVE_LABEL),
                "facet", List.of(Map.of(
                        "name_or_index", CensusData.FACET,
                        "value_or_threshold", List.of(CensusData.FACET_VALUE))));
    }

    /**
     * The shadow endpoint Clarify starts from the model named in the step's ModelName. Our server
     * takes headerless CSV features in schema order and answers one probability per line.
     */
    private static Map<String, Object> predictor(PipelineSettings settings) {
        return Map.of(
                "content_type", "text/csv",
                "accept_type", "text/csv",
                "instance_type", settings.clarifyInstanceType(),
                "initial_instance_count", 1);
    }

    private static Map<String, Object> shap() {
        return Map.of(
                "baseline", List.of(CensusData.SHAP_BASELINE),
                "num_samples", 100,
                "agg_method", "mean_abs",
                "use_logit", false,
                "save_local_shap_values", false);
    }

    private static Map<String, Object> report() {
        return Map.of("name", "report", "title", "Analysis Report");
    }
}
