package io.lgbmops.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which properties a step of each type has: a step's properties are the response of the matching
 * Describe call (DescribeProcessingJob, DescribeHyperParameterTuningJob plus
 * ListTrainingJobsForHyperParameterTuningJob, DescribeModel, DescribeModelPackage, ...) or, for
 * Lambda and ClarifyCheck steps, what the step type defines. Only the commonly referenced fields
 * are listed; extend the table when a definition needs another one.
 *
 * @see <a href="https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html">Pipelines steps: step properties</a>
 */
final class StepProperties {

    /** One accepted property shape; {@code <name>} parts are checked against the step's own declarations. */
    record Shape(String display, Pattern pattern) {}

    private static final String KEY = "\\[(?:'(?<key>[^']+)'|\\d+)\\]";
    private static final String JOB_SUMMARY = "(TrainingJobName|TrainingJobArn|TrainingJobStatus|TrainingStartTime"
            + "|TrainingEndTime|ObjectiveStatus|TunedHyperParameters\\['[^']+'\\]"
            + "|FinalHyperParameterTuningJobObjectiveMetric\\.(MetricName|Value|Type))";

    private static final Map<String, List<Shape>> BY_TYPE = Map.ofEntries(
            Map.entry("Processing", List.of(
                    shape("ProcessingJobName|ProcessingJobArn|ProcessingJobStatus|ExitMessage|FailureReason"
                            + "|RoleArn|AppSpecification\\.ImageUri|ProcessingOutputConfig\\.KmsKeyId",
                            "ProcessingJobName, ProcessingJobArn, ProcessingJobStatus, ExitMessage, FailureReason, "
                                    + "RoleArn, AppSpecification.ImageUri, ProcessingOutputConfig.KmsKeyId"),
                    shape("ProcessingOutputConfig\\.Outputs" + KEY
                                    + "\\.(OutputName|S3Output\\.(S3Uri|LocalPath|S3UploadMode))",
                            "ProcessingOutputConfig.Outputs['<output>'].S3Output.S3Uri"),
                    shape("ProcessingInputs\\[(?:'[^']+'|\\d+)\\]\\.(InputName|S3Input\\.(S3Uri|LocalPath))",
                            "ProcessingInputs['<input>'].S3Input.S3Uri"))),
            Map.entry("Training", List.of(
                    shape("TrainingJobName|TrainingJobArn|TrainingJobStatus|ModelArtifacts\\.S3ModelArtifacts"
                            + "|OutputDataConfig\\.S3OutputPath|HyperParameters\\['[^']+'\\]"
                            + "|FinalMetricDataList\\['[^']+'\\]\\.Value|AlgorithmSpecification\\.TrainingImage",
                            "TrainingJobName, TrainingJobArn, TrainingJobStatus, ModelArtifacts.S3ModelArtifacts, "
                                    + "OutputDataConfig.S3OutputPath, HyperParameters['<name>'], "
                                    + "FinalMetricDataList['<metric>'].Value"))),
            Map.entry("Tuning", List.of(
                    shape("HyperParameterTuningJobName|HyperParameterTuningJobArn|HyperParameterTuningJobStatus"
                            + "|TrainingJobDefinition\\.OutputDataConfig\\.S3OutputPath",
                            "HyperParameterTuningJobName, HyperParameterTuningJobArn, HyperParameterTuningJobStatus, "
                                    + "TrainingJobDefinition.OutputDataConfig.S3OutputPath"),
                    shape("BestTrainingJob\\." + JOB_SUMMARY, "BestTrainingJob.TrainingJobName (and the other "
                            + "HyperParameterTrainingJobSummary fields)"),
                    shape("TrainingJobSummaries\\[\\d+\\]\\." + JOB_SUMMARY, "TrainingJobSummaries[<i>].TrainingJobName"))),
            Map.entry("Transform", List.of(
                    shape("TransformJobName|TransformJobArn|TransformJobStatus|ModelName|TransformOutput\\.S3OutputPath",
                            "TransformJobName, TransformJobArn, TransformJobStatus, ModelName, "
                                    + "TransformOutput.S3OutputPath"))),
            Map.entry("Model", List.of(
                    shape("ModelName|ModelArn|ExecutionRoleArn|PrimaryContainer\\.(Image|ModelDataUrl)",
                            "ModelName, ModelArn, ExecutionRoleArn, PrimaryContainer.Image, "
                                    + "PrimaryContainer.ModelDataUrl"))),
            Map.entry("RegisterModel", List.of(
                    shape("ModelPackageArn|ModelPackageName|ModelPackageGroupName|ModelPackageVersion"
                            + "|ModelPackageStatus|ModelApprovalStatus",
                            "ModelPackageArn, ModelPackageName, ModelPackageGroupName, ModelPackageVersion, "
                                    + "ModelPackageStatus, ModelApprovalStatus"))),
            Map.entry("ClarifyCheck", List.of(
                    shape("CalculatedBaselineConstraints|BaselineUsedForDriftCheckConstraints",
                            "CalculatedBaselineConstraints, BaselineUsedForDriftCheckConstraints"))),
            Map.entry("QualityCheck", List.of(
                    shape("CalculatedBaseline(Constraints|Statistics)|BaselineUsedForDriftCheck(Constraints|Statistics)",
                            "CalculatedBaselineConstraints, CalculatedBaselineStatistics, "
                                    + "BaselineUsedForDriftCheckConstraints, BaselineUsedForDriftCheckStatistics"))),
            Map.entry("Lambda", List.of(
                    shape("OutputParameters\\['(?<key>[^']+)'\\]", "OutputParameters['<declared output>']"))),
            Map.entry("Callback", List.of(
                    shape("OutputParameters\\['(?<key>[^']+)'\\]", "OutputParameters['<declared output>']"))),
            Map.entry("Condition", List.of(shape("Outcome", "Outcome"))),
            Map.entry("Fail", List.of()));

    private StepProperties() {}

    private static Shape shape(String regex, String display) {
        return new Shape(display, Pattern.compile("^(?:" + regex + ")$"));
    }

    static boolean knowsType(String type) {
        return BY_TYPE.containsKey(type);
    }

    /**
     * Why {@code property} is not a property of {@code step}, or empty when it is. Output names of
     * processing steps and output parameters of Lambda/Callback steps must be declared by the step.
     */
    static Optional<String> problem(StepGraph.Node step, String property) {
        List<Shape> shapes = BY_TYPE.get(step.type());
        if (shapes == null) {
            return Optional.of("names step " + step.name() + " of unknown type " + step.type());
        }
        for (Shape shape : shapes) {
            Matcher matcher = shape.pattern().matcher(property);
            if (matcher.matches()) {
                return undeclaredKey(step, matcher, shape);
            }
        }
        List<String> known = new ArrayList<>();
        shapes.forEach(shape -> known.add(shape.display()));
        return Optional.of("names no property of a " + step.type() + " step"
                + (known.isEmpty() ? " (it has none)" : " (known: " + String.join("; ", known) + ")"));
    }

    private static Optional<String> undeclaredKey(StepGraph.Node step, Matcher matcher, Shape shape) {
        if (!shape.pattern().pattern().contains("?<key>")) {
            return Optional.empty();
        }
        String key = matcher.group("key");
        if (key == null) {
            return Optional.empty();
        }
        List<String> declared = declaredKeys(step);
        if (declared.contains(key)) {
            return Optional.empty();
        }
        String what = "Processing".equals(step.type()) ? "output" : "output parameter";
        return Optional.of("names " + what + " '" + key + "', which step " + step.name()
                + " does not declare (declared: " + declared + ")");
    }

    private static List<String> declaredKeys(StepGraph.Node step) {
        List<String> keys = new ArrayList<>();
        if ("Processing".equals(step.type())) {
            for (JsonNode output : step.json().path("Arguments").path("ProcessingOutputConfig").path("Outputs")) {
                keys.add(output.path("OutputName").asText());
            }
        } else {
            for (JsonNode output : step.json().path("OutputParameters")) {
                keys.add(output.path("OutputName").asText());
            }
        }
        return keys;
    }
}
