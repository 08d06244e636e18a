package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A SageMaker Clarify processing job that computes a bias or explainability baseline and, unless
 * skipped, checks it for drift against the baseline of the latest approved model package.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-quality-clarify-baseline-lifecycle.html">Baseline calculation, drift detection and lifecycle with ClarifyCheck and QualityCheck steps</a>
 */
@JsonPropertyOrder({"Name", "Type", "Description", "DependsOn", "Arguments", "CheckType",
        "ModelPackageGroupName", "SkipCheck", "FailOnViolation", "RegisterNewBaseline",
        "SuppliedBaselineConstraints", "ModelName"})
public record ClarifyCheckStep(
        String name, String description, List<String> dependsOn,
        CreateProcessingJob.Arguments arguments,
        @JsonProperty("CheckType") CheckType checkType,
        @JsonProperty("ModelPackageGroupName") Value modelPackageGroupName,
        @JsonProperty("SkipCheck") Value skipCheck,
        @JsonProperty("FailOnViolation") Value failOnViolation,
        @JsonProperty("RegisterNewBaseline") Value registerNewBaseline,
        @JsonProperty("SuppliedBaselineConstraints") Value suppliedBaselineConstraints,
        @JsonProperty("ModelName") Value modelName) implements Step {

    public enum CheckType { DATA_BIAS, MODEL_BIAS, MODEL_EXPLAINABILITY }

    public ClarifyCheckStep {
        dependsOn = Step.checkedDependsOn(name, dependsOn);
    }

    /** The constraints this run computed (a Clarify analysis report). */
    public Get calculatedBaselineConstraints() {
        return Get.step(name, "CalculatedBaselineConstraints");
    }

    /** The constraints the drift check used: the new ones when RegisterNewBaseline is true. */
    public Get baselineUsedForDriftCheckConstraints() {
        return Get.step(name, "BaselineUsedForDriftCheckConstraints");
    }
}
