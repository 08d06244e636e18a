package io.lgbmops.pipeline;

import io.lgbmops.pipeline.deploy.DeployFunction;

import io.lgbmops.pipeline.CreateProcessingJob.AppSpecification;
import io.lgbmops.pipeline.CreateProcessingJob.ClusterConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Input;
import io.lgbmops.pipeline.CreateProcessingJob.NetworkConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Output;
import io.lgbmops.pipeline.CreateProcessingJob.OutputConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Resources;
import io.lgbmops.pipeline.CreateProcessingJob.StoppingCondition;
import java.util.List;
import java.util.Map;

/**
 * The monitoring pipeline of a stage: which model is live and which captures belong to it
 * (the deploy function's {@code describe-live}), the drift check of one time window in our
 * container with no network ({@code monitor}), then the figures to CloudWatch (the deploy
 * function's {@code publish-metrics}, since the job itself cannot reach CloudWatch).
 *
 * <pre>{@code
 * PipelineDefinition definition = MonitorPipeline.build(settings, MonitorSettings.defaults());
 * }</pre>
 */
public final class MonitorPipeline {

    // Step names.
    public static final String DESCRIBE_LIVE = "DescribeLive";
    public static final String MONITOR = "Monitor";
    public static final String PUBLISH_METRICS = "PublishMetrics";
    public static final List<String> STEP_NAMES = List.of(DESCRIBE_LIVE, MONITOR, PUBLISH_METRICS);

    // Parameter names. Empty window bounds: the WindowHours hours up to the moment DescribeLive runs.
    public static final String WINDOW_START = "WindowStart";
    public static final String WINDOW_END = "WindowEnd";
    public static final String WINDOW_HOURS = "WindowHours";
    public static final String MIN_CAPTURED_ROWS = "MinCapturedRows";
    public static final String PSI_ALARM = "PsiAlarm";

    /**
     * Key prefix, in the write bucket, the endpoint's data capture goes to; SageMaker adds
     * {@code <endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl}.
     */
    public static final String CAPTURE_PREFIX = "datacapture";

    /** What the monitor step writes (the container's {@code monitor} entry point names the files). */
    public static final String MONITOR_OUTPUT = "monitor";
    public static final String DRIFT_FILE = "drift.json";
    public static final String REPORT_FILE = "report.html";
    public static final String METRICS_FILE = "metrics.json";

    /** The CloudWatch namespace and metric names of metrics.json; the alarms watch the first two. */
    public static final String METRICS_NAMESPACE = "LgbmOps/Monitoring";
    public static final String MAX_FEATURE_PSI = "MaxFeaturePSI";
    public static final String PREDICTION_PSI = "PredictionPSI";
    public static final List<String> METRIC_NAMES = List.of(MAX_FEATURE_PSI, PREDICTION_PSI, "FeaturePSI",
            "MissingRate", "UnseenCategoryRate", "SchemaViolationRate", "CapturedRows");
    /** Every figure carries the endpoint; FeaturePSI also the feature. */
    public static final String ENDPOINT_DIMENSION = "EndpointName";
    public static final String FEATURE_DIMENSION = "Feature";

    private static final String INPUT = Jobs.PROCESSING_ROOT + "input/";
    private static final String OUTPUT = Jobs.PROCESSING_ROOT + "output/";

    private final PipelineSettings settings;
    private final MonitorSettings monitor;

    public MonitorPipeline(PipelineSettings settings, MonitorSettings monitor) {
        this.settings = settings;
        this.monitor = monitor;
    }

    public static PipelineDefinition build(PipelineSettings settings, MonitorSettings monitor) {
        return new MonitorPipeline(settings, monitor).definition();
    }

    public PipelineDefinition definition() {
        LambdaStep describeLive = new LambdaStep(DESCRIBE_LIVE,
                "Finds the endpoint's live model artifact, resolves the time window and lists the window's capture files in a manifest.",
                List.of(), settings.deployFunctionArn(),
                Map.of(DeployFunction.OPERATION, Value.text(DeployFunction.DESCRIBE_LIVE),
                        "window_start", Get.parameter(WINDOW_START),
                        "window_end", Get.parameter(WINDOW_END),
                        "window_hours", Get.parameter(WINDOW_HOURS)),
                DeployFunction.DESCRIBE_LIVE_OUTPUTS.stream().map(LambdaOutput::string).toList());
        ProcessingStep check = monitorStep(describeLive);
        LambdaStep publish = new LambdaStep(PUBLISH_METRICS,
                "Publishes the check's metrics.json to CloudWatch (" + METRICS_NAMESPACE + ").",
                List.of(), settings.deployFunctionArn(),
                Map.of(DeployFunction.OPERATION, Value.text(DeployFunction.PUBLISH_METRICS),
                        "metrics_uri", Join.of("/", check.outputUri(MONITOR_OUTPUT), Value.text(METRICS_FILE))),
                DeployFunction.PUBLISH_METRICS_OUTPUTS.stream().map(LambdaOutput::string).toList());
        return new PipelineDefinition(List.of(
                Parameter.string(WINDOW_START, ""),
                Parameter.string(WINDOW_END, ""),
                Parameter.integer(WINDOW_HOURS, monitor.windowHours()),
                Parameter.integer(MIN_CAPTURED_ROWS, monitor.minCapturedRows()),
                Parameter.floating(PSI_ALARM, monitor.psiAlarm()),
                Parameter.string(LightGbmPipeline.PROCESSING_INSTANCE_TYPE, settings.processingInstanceType()),
                Parameter.integer(LightGbmPipeline.PROCESSING_INSTANCE_COUNT, 1)),
                List.of(describeLive, check, publish));
    }

    private ProcessingStep monitorStep(LambdaStep describeLive) {
        List<Value> arguments = List.of(
                Value.text("--window-start"), describeLive.output("window_start"),
                Value.text("--window-end"), describeLive.output("window_end"),
                Value.text("--min-rows"), Join.of("", Get.parameter(MIN_CAPTURED_ROWS)),
                Value.text("--endpoint-name"), describeLive.output("endpoint_name"),
                Value.text("--psi-alarm"), Join.of("", Get.parameter(PSI_ALARM)));
        var job = new CreateProcessingJob.Arguments(
                new Resources(new ClusterConfig(Get.parameter(LightGbmPipeline.PROCESSING_INSTANCE_TYPE),
                        Get.parameter(LightGbmPipeline.PROCESSING_INSTANCE_COUNT), Jobs.VOLUME_SIZE_GB,
                        Value.text(settings.kmsKeyId()))),
                new AppSpecification(Value.text(settings.imageUri()), Value.texts("monitor"), arguments),
                Value.text(settings.jobRoleArn()),
                List.of(Input.s3Manifest("capture", describeLive.output("capture_uri"), INPUT + "capture"),
                        Input.s3("model", describeLive.output("model_data_url"), INPUT + "model")),
                new OutputConfig(List.of(Output.s3(MONITOR_OUTPUT, Jobs.runUri(settings, MONITOR, MONITOR_OUTPUT),
                                OUTPUT + MONITOR_OUTPUT)),
                        Value.text(settings.kmsKeyId())),
                // Like every job of ours: no network. Publishing is the next step's.
                new NetworkConfig(true, true),
                new StoppingCondition(3600),
                null);
        return new ProcessingStep(MONITOR,
                "Compares the window's captured requests and answers with the live model's reference profile:"
                        + " PSI/KS per feature, prediction drift, missing, unseen-category and schema-violation rates;"
                        + " writes drift.json, report.html and metrics.json.",
                List.of(), job, List.of());
    }

    /** Key prefix, in the write bucket, of one endpoint's captures: {@code datacapture/<endpoint>/}. */
    public static String capturePrefix(String endpointName) {
        return CAPTURE_PREFIX + "/" + endpointName + "/";
    }
}
