package io.lgbmops.pipeline;

/**
 * Where the SageMaker Clarify analysis configuration documents are, relative to Preprocess's
 * {@link #OUTPUT} output: preprocess computes them from the dataset contract and the data (label
 * encoding, facet, SHAP baseline), the two ClarifyCheck steps read the {@code analysis_config.json}
 * files, and the registered model package names the {@code monitoring_analysis_config.json} files as
 * its drift-check config files, for model monitors created from it later.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-analysis.html">Analysis Configuration Files</a>
 */
public final class ClarifyAnalysisConfigs {

    /** The processing output of Preprocess that holds the four documents. */
    public static final String OUTPUT = "clarify";

    public static final String MODEL_BIAS = "model-bias/analysis_config.json";
    public static final String MODEL_BIAS_MONITORING = "model-bias/monitoring_analysis_config.json";
    public static final String MODEL_EXPLAINABILITY = "model-explainability/analysis_config.json";
    public static final String MODEL_EXPLAINABILITY_MONITORING = "model-explainability/monitoring_analysis_config.json";

    /**
     * Which checks the contract allows: {@code {"model_bias": <bool>, ...}}. A contract without
     * {@code fairness} names no facet, so preprocess writes no model-bias documents and sets
     * {@code model_bias} to false.
     */
    public static final String CHECKS = "checks.json";
    public static final String MODEL_BIAS_CHECK = "model_bias";

    private ClarifyAnalysisConfigs() {}
}
