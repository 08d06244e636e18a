package io.lgbmops.pipeline;

import io.lgbmops.pipeline.deploy.Checks;
import io.lgbmops.pipeline.deploy.DeployFunction;

import io.lgbmops.pipeline.CreateProcessingJob.AppSpecification;
import io.lgbmops.pipeline.CreateProcessingJob.ClusterConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Input;
import io.lgbmops.pipeline.CreateProcessingJob.NetworkConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Output;
import io.lgbmops.pipeline.CreateProcessingJob.OutputConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Resources;
import io.lgbmops.pipeline.CreateProcessingJob.StoppingCondition;
import io.lgbmops.pipeline.CreateTransformJob.DataProcessing;
import io.lgbmops.pipeline.CreateTransformJob.TransformInput;
import io.lgbmops.pipeline.CreateTransformJob.TransformOutput;
import io.lgbmops.pipeline.CreateTransformJob.TransformResources;
import io.lgbmops.pipeline.dataset.DatasetContract;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The batch scoring pipeline of a stage ({@code lgbmops-<stage>-batch}): resolve the model
 * package to score with (the one named by {@code ModelPackageArn}, else the group's latest
 * Approved version) through the deploy function's {@code resolve-package} operation, create a
 * model from its image and artefact, batch-transform every CSV file under {@code InputDataUri}
 * keeping the contract's id columns next to the scores, and select the rows to target.
 *
 * <p>The input records are the contract's columns without the label, in contract order, with
 * or without the contract's header line. The Transform step's InputFilter drops the id and
 * ignore columns (the model's features remain, in the order the server expects), its
 * OutputFilter keeps the ids and the server's score columns.
 */
public final class BatchPipeline {

    public static final String RESOLVE_PACKAGE = "ResolvePackage";
    public static final String SCORING_MODEL = "ScoringModel";
    public static final String SCORE = "Score";
    public static final String SELECT = "Select";
    public static final List<String> STEP_NAMES = List.of(RESOLVE_PACKAGE, SCORING_MODEL, SCORE, SELECT);

    // Parameter names.
    public static final String INPUT_DATA_URI = "InputDataUri";
    public static final String MODEL_PACKAGE_ARN = "ModelPackageArn";
    public static final String TOP_K = "TopK";
    public static final String MIN_SCORE = "MinScore";
    public static final String MAX_BAD_ROW_FRACTION = "MaxBadRowFraction";
    public static final String TRANSFORM_INSTANCE_TYPE = "TransformInstanceType";
    public static final String TRANSFORM_INSTANCE_COUNT = "TransformInstanceCount";
    public static final String MAX_CONCURRENT_TRANSFORMS = "MaxConcurrentTransforms";
    public static final String PROCESSING_INSTANCE_TYPE = LightGbmPipeline.PROCESSING_INSTANCE_TYPE;

    /**
     * The largest mini-batch the server accepts: what its {@code GET /execution-parameters}
     * answers as MaxPayloadInMB (the container's DEFAULT_MAX_PAYLOAD_BYTES, 6 MiB). The local
     * runner asks the server and refuses a definition asking for more.
     */
    public static final int MAX_PAYLOAD_MB = 6;
    /** The server's workers, one per vCPU: what it answers as MaxConcurrentTransforms on ml.m5.large. */
    public static final int DEFAULT_MAX_CONCURRENT_TRANSFORMS = 2;
    /** The container environment that makes the server answer a bad row in place (serving/batch.py). */
    public static final Map<String, String> TRANSFORM_ENVIRONMENT = Map.of("LGBMOPS_ROW_ERRORS", "inline");

    /** Transform output and Select's inputs and outputs. */
    public static final String SCORES_OUTPUT = "scores";
    public static final String SCORES_INPUT = "scores";
    public static final String SELECTION_OUTPUT = "selection";
    public static final String SELECTION_SUMMARY = "SelectionSummary";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String SELECTED_FILE = "selected.csv";

    private final PipelineSettings settings;
    private final DatasetContract contract;
    private final String defaultInputDataUri;

    /**
     * @param settings            the stage's settings (image, roles, bucket, key, group, function)
     * @param contract            the stage's dataset contract, the one at the settings'
     *                            defaultDatasetContractUri: where the id columns are
     * @param defaultInputDataUri the S3 prefix scored when an execution names none
     */
    public BatchPipeline(PipelineSettings settings, DatasetContract contract, String defaultInputDataUri) {
        this.settings = settings;
        this.contract = contract;
        this.defaultInputDataUri = defaultInputDataUri;
        if (defaultInputDataUri == null || !(defaultInputDataUri.startsWith("s3://")
                || Checks.isUnresolved(defaultInputDataUri))) {
            throw new IllegalArgumentException("defaultInputDataUri must be an s3:// URI, got " + defaultInputDataUri);
        }
    }

    /** Key prefix, in the read bucket, of a dataset's tables to score: {@code batch/<name>/}. */
    public static String batchInputPrefix(String datasetName) {
        return "batch/" + datasetName + "/";
    }

    /** Key, in the write bucket, of the marker document resolve-package reports for an absent report. */
    public static String missingReportKey() {
        return LightGbmPipeline.SETTINGS_PREFIX + "/missing-report.json";
    }

    /** The columns of an input record: the contract's, without the label. */
    public static List<DatasetContract.Column> inputColumns(DatasetContract contract) {
        return contract.columns().stream().filter(c -> !c.name().equals(contract.label().column())).toList();
    }

    /** InputFilter: the feature fields of an input record. */
    public static String inputFilter(DatasetContract contract) {
        List<DatasetContract.Column> columns = inputColumns(contract);
        TreeSet<Integer> features = new TreeSet<>();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).type().isFeature()) {
                features.add(i);
            }
        }
        return CsvFieldFilter.of(features, null);
    }

    /** OutputFilter: the id fields of the joined record, then every field the model answered. */
    public static String outputFilter(DatasetContract contract) {
        List<DatasetContract.Column> columns = inputColumns(contract);
        TreeSet<Integer> ids = new TreeSet<>();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).type() == DatasetContract.ColumnType.ID) {
                ids.add(i);
            }
        }
        return CsvFieldFilter.of(ids, columns.size());
    }

    public PipelineDefinition definition() {
        LambdaStep resolve = resolve();
        ModelStep model = new ModelStep(SCORING_MODEL,
                "A model of the resolved package's image and artefact, for the transform job.", List.of(),
                new CreateModel.Arguments(text(settings.modelRoleArn()),
                        new CreateModel.Container(resolve.output(DeployFunction.IMAGE_URI),
                                resolve.output(DeployFunction.MODEL_DATA_URL)), true));
        TransformStep score = score(model);
        ProcessingStep select = select(score);
        return new PipelineDefinition(parameters(), List.of(resolve, model, score, select));
    }

    private List<Parameter> parameters() {
        return List.of(
                Parameter.string(INPUT_DATA_URI, defaultInputDataUri),
                Parameter.string(MODEL_PACKAGE_ARN, ""),
                Parameter.integer(TOP_K, 1000),
                Parameter.floating(MIN_SCORE, 0.0),
                Parameter.floating(MAX_BAD_ROW_FRACTION, 0.01),
                Parameter.string(TRANSFORM_INSTANCE_TYPE, settings.deployInstanceType()),
                Parameter.integer(TRANSFORM_INSTANCE_COUNT, 1),
                Parameter.integer(MAX_CONCURRENT_TRANSFORMS, DEFAULT_MAX_CONCURRENT_TRANSFORMS),
                Parameter.string(PROCESSING_INSTANCE_TYPE, settings.processingInstanceType()));
    }

    private LambdaStep resolve() {
        return ResolvePackageStep.of(RESOLVE_PACKAGE,
                "The package to score with: ModelPackageArn if set, else the group's latest Approved version;"
                        + " fails when there is none.",
                settings, Get.parameter(MODEL_PACKAGE_ARN), true, missingReportKey());
    }

    private TransformStep score(ModelStep model) {
        Map<String, Value> environment = new LinkedHashMap<>();
        TRANSFORM_ENVIRONMENT.forEach((name, value) -> environment.put(name, text(value)));
        var arguments = new CreateTransformJob.Arguments(
                model.modelName(),
                "MultiRecord",
                MAX_PAYLOAD_MB,
                Get.parameter(MAX_CONCURRENT_TRANSFORMS),
                environment,
                TransformInput.csvLines(Get.parameter(INPUT_DATA_URI)),
                // A trailing slash: Select then finds <input file>.out at the top of its input directory.
                new TransformOutput(Join.of("", Jobs.runUri(settings, SCORE, SCORES_OUTPUT), text("/")), "text/csv",
                        "Line", text(settings.kmsKeyId())),
                new TransformResources(Get.parameter(TRANSFORM_INSTANCE_TYPE), Get.parameter(TRANSFORM_INSTANCE_COUNT),
                        text(settings.kmsKeyId())),
                new DataProcessing(inputFilter(contract), "Input", outputFilter(contract)));
        return new TransformStep(SCORE,
                "Scores every CSV file under InputDataUri; writes each row's id columns and scores, in input order.",
                List.of(), arguments);
    }

    private ProcessingStep select(TransformStep score) {
        List<Value> arguments = List.of(
                text("--top-k"), Join.of("", Get.parameter(TOP_K)),
                text("--min-score"), Join.of("", Get.parameter(MIN_SCORE)),
                text("--max-bad-row-fraction"), Join.of("", Get.parameter(MAX_BAD_ROW_FRACTION)));
        var job = new CreateProcessingJob.Arguments(
                new Resources(new ClusterConfig(Get.parameter(PROCESSING_INSTANCE_TYPE), Value.integer(1),
                        Jobs.VOLUME_SIZE_GB, text(settings.kmsKeyId()))),
                new AppSpecification(text(settings.imageUri()), Value.texts("select"), arguments),
                text(settings.jobRoleArn()),
                List.of(Input.s3(SCORES_INPUT, score.outputPath(), Jobs.PROCESSING_ROOT + "input/" + SCORES_INPUT),
                        // Not a parameter: the Transform step's filters were built from this contract.
                        Input.s3(LightGbmPipeline.CONTRACT_INPUT, text(settings.defaultDatasetContractUri()),
                                Jobs.PROCESSING_ROOT + "input/" + LightGbmPipeline.CONTRACT_INPUT)),
                new OutputConfig(List.of(Output.s3(SELECTION_OUTPUT, Jobs.runUri(settings, SELECT, SELECTION_OUTPUT),
                        Jobs.PROCESSING_ROOT + SELECTION_OUTPUT)), text(settings.kmsKeyId())),
                new NetworkConfig(true, true),
                new StoppingCondition(3600),
                null);
        return new ProcessingStep(SELECT,
                "Counts and reports rows that could not be scored (fails above MaxBadRowFraction), selects the"
                        + " TopK rows with a score of at least MinScore, and writes selected.csv and summary.json.",
                List.of(), job, List.of(new PropertyFile(SELECTION_SUMMARY, SELECTION_OUTPUT, SUMMARY_FILE)));
    }

    private static Value text(String value) {
        return Value.text(value);
    }
}
