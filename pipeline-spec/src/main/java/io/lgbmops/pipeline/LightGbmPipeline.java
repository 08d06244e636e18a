package io.lgbmops.pipeline;

import io.lgbmops.pipeline.CreateHyperParameterTuningJob.AlgorithmSpecification;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.Channel;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.CheckpointConfig;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.MetricDefinition;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.Objective;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.OutputDataConfig;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.ParameterRanges;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.Range;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.ResourceConfig;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.ResourceLimits;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.TrainingJobDefinition;
import io.lgbmops.pipeline.CreateHyperParameterTuningJob.TuningJobConfig;
import io.lgbmops.pipeline.CreateModelPackage.DriftCheckBaselines;
import io.lgbmops.pipeline.CreateModelPackage.DriftCheckBias;
import io.lgbmops.pipeline.CreateModelPackage.DriftCheckExplainability;
import io.lgbmops.pipeline.CreateModelPackage.FileSource;
import io.lgbmops.pipeline.CreateModelPackage.InferenceSpecification;
import io.lgbmops.pipeline.CreateModelPackage.MetricsSource;
import io.lgbmops.pipeline.CreateModelPackage.ModelMetrics;
import io.lgbmops.pipeline.CreateModelPackage.ModelQuality;
import io.lgbmops.pipeline.CreateProcessingJob.AppSpecification;
import io.lgbmops.pipeline.CreateProcessingJob.ClusterConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Input;
import io.lgbmops.pipeline.CreateProcessingJob.NetworkConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Output;
import io.lgbmops.pipeline.CreateProcessingJob.OutputConfig;
import io.lgbmops.pipeline.CreateProcessingJob.Resources;
import io.lgbmops.pipeline.CreateProcessingJob.StoppingCondition;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.F1Gate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The LightGBM classification pipeline for any dataset a contract describes: preprocess (which
 * reads the contract and writes the splits), tune, evaluate, and, when the test F1 reaches the
 * threshold, explain the model (exact SHAP and bias metrics across the contract's facets, in our
 * own image); when its bias stays within the policy, register the model package with those
 * reports and deploy it. Otherwise fail, naming the F1, or the facet, metric and value.
 *
 * <pre>{@code
 * PipelineDefinition definition = LightGbmPipeline.build(settings);
 * String body = definition.toJson();           // AWS::SageMaker::Pipeline PipelineDefinitionBody
 * }</pre>
 */
public final class LightGbmPipeline {

    // Step names, as the SageMaker console shows them.
    public static final String PREPROCESS = "Preprocess";
    public static final String TUNE = "Tune";
    public static final String EVALUATE = "Evaluate";
    public static final String CHECK_F1 = "CheckF1";
    public static final String RESOLVE_BASELINE = "ResolveBaseline";
    public static final String EXPLAIN = "Explain";
    public static final String CHECK_BIAS = "CheckBias";
    public static final String REGISTER = "Register";
    public static final String DEPLOY = "Deploy";
    public static final String BIAS_ABOVE_LIMIT = "BiasAboveLimit";
    public static final String F1_BELOW_THRESHOLD = "F1BelowThreshold";

    /** Every step name, in definition order (condition branches after their condition). */
    public static final List<String> PIPELINE_STEP_NAMES = List.of(PREPROCESS, TUNE, EVALUATE, CHECK_F1,
            RESOLVE_BASELINE, EXPLAIN, CHECK_BIAS, REGISTER, DEPLOY, BIAS_ABOVE_LIMIT, F1_BELOW_THRESHOLD);

    // The steps of the clarify mode ({@link Explainability#CLARIFY}) that replace Explain and CheckBias.
    public static final String CREATE_MODEL = "CreateModel";
    public static final String CLARIFY_BIAS = "ClarifyBias";
    public static final String CLARIFY_EXPLAINABILITY = "ClarifyExplainability";
    public static final String CHECK_MODEL_BIAS = "CheckModelBias";
    public static final String REGISTER_WITHOUT_BIAS = "RegisterWithoutBias";
    public static final String DEPLOY_WITHOUT_BIAS = "DeployWithoutBias";

    /** Every step name of the clarify mode, in definition order. */
    public static final List<String> CLARIFY_PIPELINE_STEP_NAMES = List.of(PREPROCESS, TUNE, EVALUATE, CHECK_F1,
            CREATE_MODEL, CLARIFY_EXPLAINABILITY, CHECK_MODEL_BIAS, CLARIFY_BIAS, REGISTER, DEPLOY,
            REGISTER_WITHOUT_BIAS, DEPLOY_WITHOUT_BIAS, F1_BELOW_THRESHOLD);

    /** The property file on {@link #PREPROCESS} that says whether the contract allows a bias check (clarify mode). */
    public static final String CLARIFY_CHECKS = "ClarifyChecks";

    // Parameter names.
    public static final String PROCESSING_INSTANCE_TYPE = "ProcessingInstanceType";
    public static final String PROCESSING_INSTANCE_COUNT = "ProcessingInstanceCount";
    public static final String TRAINING_INSTANCE_TYPE = "TrainingInstanceType";
    public static final String TRAINING_INSTANCE_COUNT = "TrainingInstanceCount";
    public static final String DEPLOY_INSTANCE_TYPE = "DeployInstanceType";
    public static final String DEPLOY_INSTANCE_COUNT = "DeployInstanceCount";
    public static final String INPUT_DATA_URI = "InputDataUri";
    public static final String DATASET_CONTRACT_URI = "DatasetContractUri";
    public static final String F1_THRESHOLD = "F1Threshold";
    public static final String MODEL_APPROVAL_STATUS = "ModelApprovalStatus";
    public static final String MAX_TUNING_JOBS = "MaxTuningJobs";
    public static final String MAX_PARALLEL_TUNING_JOBS = "MaxParallelTuningJobs";
    public static final String MIN_DISPARATE_IMPACT = "MinDisparateImpact";
    public static final String MAX_ABS_DPPL = "MaxAbsDPPL";
    // Clarify mode only: the ClarifyCheck steps' drift checks against the group's approved baseline.
    public static final String SKIP_MODEL_BIAS_CHECK = "SkipModelBiasCheck";
    public static final String REGISTER_NEW_MODEL_BIAS_BASELINE = "RegisterNewModelBiasBaseline";
    public static final String MODEL_BIAS_SUPPLIED_BASELINE_CONSTRAINTS = "ModelBiasSuppliedBaselineConstraints";
    public static final String SKIP_MODEL_EXPLAINABILITY_CHECK = "SkipModelExplainabilityCheck";
    public static final String REGISTER_NEW_MODEL_EXPLAINABILITY_BASELINE = "RegisterNewModelExplainabilityBaseline";
    public static final String MODEL_EXPLAINABILITY_SUPPLIED_BASELINE_CONSTRAINTS =
            "ModelExplainabilitySuppliedBaselineConstraints";

    /** The property file the gate reads, on {@link #EVALUATE}, and where in it the F1 is. */
    public static final String EVALUATION_REPORT = "EvaluationReport";
    public static final String EVALUATION_OUTPUT = "evaluation";

    /**
     * What {@link #EXPLAIN} writes (the container's {@code lgbmops.explain.reports} names the
     * files) and where the bias gate finds the worst disparate impact and |DPPL| across the
     * contract's facets, and the groups they belong to ("none" when nothing was measured, with
     * parity values that pass any policy).
     */
    public static final String BIAS_REPORT = "BiasReport";
    public static final String EXPLAIN_OUTPUT = "explain";
    public static final String BIAS_FILE = "bias.json";
    public static final String EXPLAINABILITY_FILE = "explainability.json";
    public static final String REPORT_FILE = "report.html";
    public static final String DRIFT_FILE = "drift.json";
    public static final String WORST_DI_JSON_PATH = "gate.worst_di";
    public static final String WORST_DI_FACET_JSON_PATH = "gate.worst_di_facet";
    public static final String WORST_ABS_DPPL_JSON_PATH = "gate.worst_abs_dppl";
    public static final String WORST_ABS_DPPL_FACET_JSON_PATH = "gate.worst_abs_dppl_facet";

    /** The tuning objective: the line our {@code train} prints, e.g. {@code validation_f1=0.712345}. */
    public static final String OBJECTIVE_METRIC = "validation:f1";
    public static final String OBJECTIVE_REGEX = "validation_f1=([0-9\\.]+)";

    /**
     * The document that stands for a report the last approved package does not have (or for the
     * package itself when none is approved): the stack uploads it under {@link #SETTINGS_PREFIX};
     * the container's {@code lgbmops.explain.drift} recognises it by this name and skips the comparison.
     */
    public static final String NO_APPROVED_PACKAGE_MARKER = "no-approved-package.json";
    /** Where Explain finds the baseline's reports (the container's {@code lgbmops.paths} names them too). */
    public static final String BASELINE_BIAS_INPUT = "baseline-bias";
    public static final String BASELINE_EXPLAINABILITY_INPUT = "baseline-explainability";

    /** Key prefix, in the write bucket, of everything an execution writes: {@code <prefix>/<execution id>/<step>/...}. */
    public static final String RUNS_PREFIX = "pipeline-runs";
    /** Key prefix, in the write bucket, of the files the stack uploads (the stage's dataset contract). */
    public static final String SETTINGS_PREFIX = "pipeline-settings";

    /** Preprocess's inputs: every file under {@code InputDataUri}, and the contract at {@code DatasetContractUri}. */
    public static final String DATA_INPUT = "data";
    public static final String CONTRACT_INPUT = "contract";
    /** Preprocess's outputs; the clarify mode adds {@link ClarifyAnalysisConfigs#OUTPUT}. */
    public static final List<String> PREPROCESS_OUTPUTS = List.of("train", "validation", "test", "baseline");

    private final PipelineSettings settings;
    private final TuningStrategy strategy;

    public LightGbmPipeline(PipelineSettings settings) {
        this(settings, TuningStrategy.BAYESIAN);
    }

    public LightGbmPipeline(PipelineSettings settings, TuningStrategy strategy) {
        this.settings = settings;
        this.strategy = strategy;
    }

    /** The pipeline with Bayesian tuning. */
    public static PipelineDefinition build(PipelineSettings settings) {
        return new LightGbmPipeline(settings).definition();
    }

    /** Key, in the write bucket, where the stack uploads a dataset's contract: {@code pipeline-settings/datasets/<name>.json}. */
    public static String datasetContractKey(String datasetName) {
        return SETTINGS_PREFIX + "/datasets/" + datasetName + ".json";
    }

    /** Key, in the write bucket, of the {@link #NO_APPROVED_PACKAGE_MARKER} the stack uploads. */
    public static String noApprovedPackageMarkerKey() {
        return SETTINGS_PREFIX + "/" + NO_APPROVED_PACKAGE_MARKER;
    }

    /** What the marker says, for a person who opens it from a package's drift-check baselines. */
    public static String noApprovedPackageMarker() {
        return "{\"no_report\": true, \"reason\": \"no Approved model package (or no such report on it) to compare"
                + " with; see the execution's Explain drift.json\"}\n";
    }

    /**
     * Key prefix, in the read bucket, of a dataset's raw files: {@code raw/<name>/}. Preprocess
     * reads every file under it; an execution may name another prefix (with another contract).
     */
    public static String rawDataPrefix(String datasetName) {
        return "raw/" + datasetName + "/";
    }

    public PipelineDefinition definition() {
        ProcessingStep preprocess = preprocess();
        TuningStep tune = tune(preprocess);
        Value topModel = topModelUri(tune);
        ProcessingStep evaluate = evaluate(preprocess, topModel);
        JsonGet f1 = evaluate.jsonGet(EVALUATION_REPORT, F1Gate.F1_JSON_PATH);
        FailStep below = new FailStep(F1_BELOW_THRESHOLD,
                "Stops the execution: the best model's test F1 is below the threshold.",
                Join.of("", Value.text("test F1 "), f1, Value.text(" is below the threshold F1Threshold="),
                        Get.parameter(F1_THRESHOLD), Value.text("; the model was not registered")));
        List<Step> passed = clarify()
                ? clarifyChecks(preprocess, evaluate, tune, topModel, f1)
                : nativeChecks(preprocess, evaluate, tune, topModel, f1);
        ConditionStep checkF1 = new ConditionStep(CHECK_F1,
                "Registers and deploys the model only if its test F1 reaches F1Threshold.", List.of(),
                new ConditionStep.Arguments(
                        List.of(Condition.greaterThanOrEqualTo(f1, Get.parameter(F1_THRESHOLD))),
                        passed,
                        List.of(below)));
        return new PipelineDefinition(parameters(), List.of(preprocess, tune, evaluate, checkF1));
    }

    private boolean clarify() {
        return settings.explainability() == Explainability.CLARIFY;
    }

    /** Explain, then CheckBias: register and deploy within the bias policy, fail naming the facet otherwise. */
    private List<Step> nativeChecks(ProcessingStep preprocess, ProcessingStep evaluate, TuningStep tune,
            Value topModel, JsonGet f1) {

        LambdaStep baseline = resolveBaseline();
        ProcessingStep explain = explain(preprocess, topModel, baseline);
        RegisterModelStep register = register(REGISTER, evaluate, explain, baseline, tune, topModel, f1);
        JsonGet worstDi = explain.jsonGet(BIAS_REPORT, WORST_DI_JSON_PATH);
        JsonGet worstAbsDppl = explain.jsonGet(BIAS_REPORT, WORST_ABS_DPPL_JSON_PATH);
        FailStep biasAboveLimit = new FailStep(BIAS_ABOVE_LIMIT,
                "Stops the execution: the model's bias across a fairness facet is beyond the policy.",
                Join.of("", Value.text("bias beyond the policy: disparate impact (DI) of "),
                        explain.jsonGet(BIAS_REPORT, WORST_DI_FACET_JSON_PATH), Value.text(" is "), worstDi,
                        Value.text(" (MinDisparateImpact="), Get.parameter(MIN_DISPARATE_IMPACT),
                        Value.text("); |DPPL| of "), explain.jsonGet(BIAS_REPORT, WORST_ABS_DPPL_FACET_JSON_PATH),
                        Value.text(" is "), worstAbsDppl, Value.text(" (MaxAbsDPPL="), Get.parameter(MAX_ABS_DPPL),
                        Value.text("); the model was not registered")));
        ConditionStep checkBias = new ConditionStep(CHECK_BIAS,
                "Registers and deploys the model only if no facet's DI is below MinDisparateImpact and no facet's"
                        + " |DPPL| is above MaxAbsDPPL.",
                List.of(),
                new ConditionStep.Arguments(
                        List.of(Condition.greaterThanOrEqualTo(worstDi, Get.parameter(MIN_DISPARATE_IMPACT)),
                                Condition.lessThanOrEqualTo(worstAbsDppl, Get.parameter(MAX_ABS_DPPL))),
                        List.of(register, deploy(DEPLOY, register)),
                        List.of(biasAboveLimit)));
        return List.of(baseline, explain, checkBias);
    }

    /**
     * CreateModel and the two SageMaker Clarify checks, then register and deploy. Clarify measures
     * bias only across a facet; a contract without fairness names none, and preprocess then writes
     * no model-bias documents, so CheckModelBias registers without a bias report. The bias gate is
     * Clarify's own: each check fails the execution when its constraints drift from the group's
     * approved baseline (unless skipped); MinDisparateImpact and MaxAbsDPPL are not checked.
     */
    private List<Step> clarifyChecks(ProcessingStep preprocess, ProcessingStep evaluate, TuningStep tune,
            Value topModel, JsonGet f1) {
        ModelStep createModel = new ModelStep(CREATE_MODEL, "Creates the model that the Clarify checks run against.",
                List.of(), new CreateModel.Arguments(text(settings.modelRoleArn()),
                        new CreateModel.Container(text(settings.imageUri()), topModel), true));
        ClarifyCheckStep bias = clarifyCheck(CLARIFY_BIAS,
                "Measures post-training bias across the contract's facet on the baseline sample (SageMaker Clarify).",
                ClarifyCheckStep.CheckType.MODEL_BIAS, ClarifyAnalysisConfigs.MODEL_BIAS, preprocess, createModel,
                SKIP_MODEL_BIAS_CHECK, REGISTER_NEW_MODEL_BIAS_BASELINE, MODEL_BIAS_SUPPLIED_BASELINE_CONSTRAINTS);
        ClarifyCheckStep explainability = clarifyCheck(CLARIFY_EXPLAINABILITY,
                "Computes Kernel SHAP feature attributions on the baseline sample (SageMaker Clarify).",
                ClarifyCheckStep.CheckType.MODEL_EXPLAINABILITY, ClarifyAnalysisConfigs.MODEL_EXPLAINABILITY,
                preprocess, createModel, SKIP_MODEL_EXPLAINABILITY_CHECK, REGISTER_NEW_MODEL_EXPLAINABILITY_BASELINE,
                MODEL_EXPLAINABILITY_SUPPLIED_BASELINE_CONSTRAINTS);
        RegisterModelStep register = clarifyRegister(REGISTER, preprocess, evaluate, tune, topModel, f1, bias,
                explainability);
        RegisterModelStep registerWithoutBias = clarifyRegister(REGISTER_WITHOUT_BIAS, preprocess, evaluate, tune,
                topModel, f1, null, explainability);
        ConditionStep checkModelBias = new ConditionStep(CHECK_MODEL_BIAS,
                "Runs the Clarify bias check and registers its report when the dataset contract names a fairness facet.",
                List.of(),
                new ConditionStep.Arguments(
                        List.of(Condition.equalTo(
                                preprocess.jsonGet(CLARIFY_CHECKS, ClarifyAnalysisConfigs.MODEL_BIAS_CHECK),
                                Value.bool(true))),
                        List.of(bias, register, deploy(DEPLOY, register)),
                        List.of(registerWithoutBias, deploy(DEPLOY_WITHOUT_BIAS, registerWithoutBias))));
        return List.of(createModel, explainability, checkModelBias);
    }

    private ClarifyCheckStep clarifyCheck(String name, String description, ClarifyCheckStep.CheckType type,
            String configKey, ProcessingStep preprocess, ModelStep model, String skipCheck,
            String registerNewBaseline, String suppliedBaseline) {
        var arguments = processingArguments(
                text(settings.clarifyImageUri()),
                null,
                List.of(Input.s3("analysis_config", clarifyDocument(preprocess, configKey),
                                Jobs.PROCESSING_ROOT + "input/config"),
                        Input.s3("dataset", preprocess.outputUri("baseline"), Jobs.PROCESSING_ROOT + "input/data")),
                List.of(Output.s3("analysis_result", Jobs.runUri(settings, name, "analysis_result"),
                        Jobs.PROCESSING_ROOT + "output")),
                // Clarify calls the SageMaker API to start a shadow endpoint: no network isolation.
                false, 3600);
        return new ClarifyCheckStep(name, description, List.of(), arguments, type,
                text(settings.modelPackageGroupName()),
                Get.parameter(skipCheck), Value.bool(true), Get.parameter(registerNewBaseline),
                Get.parameter(suppliedBaseline), model.modelName());
    }

    /** The model package with Clarify's reports; {@code bias} null registers it without a bias report. */
    private RegisterModelStep clarifyRegister(String name, ProcessingStep preprocess, ProcessingStep evaluate,
            TuningStep tune, Value topModel, JsonGet f1, ClarifyCheckStep bias, ClarifyCheckStep explainability) {
        var metrics = new ModelMetrics(
                new ModelQuality(MetricsSource.json(
                        Join.of("/", evaluate.outputUri(EVALUATION_OUTPUT), Value.text(F1Gate.EVALUATION_FILE)))),
                bias == null ? null : new CreateModelPackage.Bias(MetricsSource.json(bias.calculatedBaselineConstraints())),
                new CreateModelPackage.Explainability(
                        MetricsSource.json(explainability.calculatedBaselineConstraints())));
        var driftCheck = new DriftCheckBaselines(
                bias == null ? null : new DriftCheckBias(
                        FileSource.json(clarifyDocument(preprocess, ClarifyAnalysisConfigs.MODEL_BIAS_MONITORING)),
                        MetricsSource.json(bias.baselineUsedForDriftCheckConstraints())),
                new DriftCheckExplainability(
                        FileSource.json(clarifyDocument(preprocess, ClarifyAnalysisConfigs.MODEL_EXPLAINABILITY_MONITORING)),
                        MetricsSource.json(explainability.baselineUsedForDriftCheckConstraints())));
        // The data references already order Register after both checks; DependsOn states it
        // outright so that removing a metric cannot let registration overtake a running check.
        return bias == null
                ? new RegisterModelStep(name,
                        "Registers the model package with its evaluation and Clarify explainability reports"
                                + " (no fairness facet).",
                        List.of(CLARIFY_EXPLAINABILITY), packageArguments(tune, topModel, f1, metrics, driftCheck))
                : new RegisterModelStep(name,
                        "Registers the model package with its evaluation and Clarify bias and explainability reports.",
                        List.of(CLARIFY_BIAS, CLARIFY_EXPLAINABILITY),
                        packageArguments(tune, topModel, f1, metrics, driftCheck));
    }

    /** One of the Clarify documents preprocess wrote for this execution: {@code <clarify output>/<relative path>}. */
    private static Join clarifyDocument(ProcessingStep preprocess, String relativePath) {
        return Join.of("/", preprocess.outputUri(ClarifyAnalysisConfigs.OUTPUT), Value.text(relativePath));
    }

    private List<Parameter> parameters() {
        var common = List.of(
                Parameter.string(INPUT_DATA_URI, settings.defaultInputDataUri()),
                Parameter.string(DATASET_CONTRACT_URI, settings.defaultDatasetContractUri()),
                Parameter.string(PROCESSING_INSTANCE_TYPE, settings.processingInstanceType()),
                Parameter.integer(PROCESSING_INSTANCE_COUNT, settings.processingInstanceCount()),
                Parameter.string(TRAINING_INSTANCE_TYPE, settings.trainingInstanceType()),
                Parameter.integer(TRAINING_INSTANCE_COUNT, settings.trainingInstanceCount()),
                Parameter.integer(MAX_TUNING_JOBS, settings.maxTuningJobs()),
                Parameter.integer(MAX_PARALLEL_TUNING_JOBS, settings.maxParallelTuningJobs()),
                Parameter.floating(F1_THRESHOLD, settings.f1Threshold()),
                Parameter.string(MODEL_APPROVAL_STATUS, settings.modelApprovalStatus()),
                Parameter.string(DEPLOY_INSTANCE_TYPE, settings.deployInstanceType()),
                Parameter.integer(DEPLOY_INSTANCE_COUNT, settings.deployInstanceCount()));
        var parameters = new ArrayList<>(common);
        if (clarify()) {
            // A fresh model package group has no approved baseline to check against, so the
            // defaults skip the drift check and register this run's baseline; see README.
            parameters.addAll(List.of(
                    Parameter.bool(SKIP_MODEL_BIAS_CHECK, true),
                    Parameter.bool(REGISTER_NEW_MODEL_BIAS_BASELINE, true),
                    Parameter.string(MODEL_BIAS_SUPPLIED_BASELINE_CONSTRAINTS, ""),
                    Parameter.bool(SKIP_MODEL_EXPLAINABILITY_CHECK, true),
                    Parameter.bool(REGISTER_NEW_MODEL_EXPLAINABILITY_BASELINE, true),
                    Parameter.string(MODEL_EXPLAINABILITY_SUPPLIED_BASELINE_CONSTRAINTS, "")));
        } else {
            parameters.addAll(List.of(
                    Parameter.floating(MIN_DISPARATE_IMPACT, settings.minDisparateImpact()),
                    Parameter.floating(MAX_ABS_DPPL, settings.maxAbsDppl())));
        }
        return parameters;
    }

    private ProcessingStep preprocess() {
        var outputs = new ArrayList<Output>();
        var outputNames = new ArrayList<>(PREPROCESS_OUTPUTS);
        if (clarify()) {
            outputNames.add(ClarifyAnalysisConfigs.OUTPUT);
        }
        for (String output : outputNames) {
            outputs.add(Output.s3(output, Jobs.runUri(settings, PREPROCESS, output), Jobs.PROCESSING_ROOT + output));
        }
        var entrypoint = new ArrayList<>(Value.texts("preprocess", "--train-ratio", "0.7", "--validation-ratio", "0.15",
                "--test-ratio", "0.15", "--seed", "42"));
        if (clarify()) {
            // The Clarify documents preprocess writes name the shadow endpoint's instance type.
            entrypoint.add(Value.text("--clarify-instance-type"));
            entrypoint.add(text(settings.clarifyInstanceType()));
        }
        var arguments = processingArguments(
                Get.parameter(PROCESSING_INSTANCE_COUNT),
                text(settings.imageUri()),
                entrypoint,
                null,
                // Sharded whatever ProcessingInstanceCount is (a run-time parameter, and one
                // instance gets every object anyway): each instance splits its own files.
                List.of(Input.s3Sharded(DATA_INPUT, Get.parameter(INPUT_DATA_URI),
                                Jobs.PROCESSING_ROOT + "input/" + DATA_INPUT),
                        Input.s3(CONTRACT_INPUT, Get.parameter(DATASET_CONTRACT_URI),
                                Jobs.PROCESSING_ROOT + "input/" + CONTRACT_INPUT)),
                outputs, true, 1800);
        return clarify()
                ? new ProcessingStep(PREPROCESS,
                        "Reads the raw data as the dataset contract describes it; writes train/validation/test splits,"
                                + " the Clarify baseline sample and the Clarify analysis configs.",
                        List.of(), arguments,
                        List.of(new PropertyFile(CLARIFY_CHECKS, ClarifyAnalysisConfigs.OUTPUT,
                                ClarifyAnalysisConfigs.CHECKS)))
                : new ProcessingStep(PREPROCESS,
                        "Reads the raw data as the dataset contract describes it; writes train/validation/test splits"
                                + " and a baseline sample.",
                        List.of(), arguments, List.of());
    }

    private TuningStep tune(ProcessingStep preprocess) {
        var config = new TuningJobConfig(
                strategy.apiName(),
                new Objective("Maximize", OBJECTIVE_METRIC),
                new ResourceLimits(Get.parameter(MAX_TUNING_JOBS), Get.parameter(MAX_PARALLEL_TUNING_JOBS)),
                new ParameterRanges(
                        List.of(new Range("num_iterations", "100", "1000", "Linear"),
                                new Range("num_leaves", "16", "256", "Linear"),
                                new Range("max_bin", "63", "511", "Linear"),
                                new Range("min_data_in_leaf", "10", "200", "Linear")),
                        List.of(new Range("learning_rate", "0.01", "0.3", "Logarithmic"),
                                new Range("feature_fraction", "0.5", "1.0", "Linear"))),
                // train prints its metrics once, at the end: nothing for early stopping to read.
                "Off");
        var definition = new TrainingJobDefinition(
                Map.of("early_stopping_rounds", "20", "seed", "42"),
                new AlgorithmSpecification(text(settings.imageUri()), "File", List.of(
                        new MetricDefinition(OBJECTIVE_METRIC, OBJECTIVE_REGEX),
                        new MetricDefinition("validation:auc", "validation_auc=([0-9\\.]+)"),
                        new MetricDefinition("train:auc", "train_auc=([0-9\\.]+)"))),
                text(settings.jobRoleArn()),
                // With TrainingInstanceCount > 1 the container runs LightGBM's distributed
                // learning: each instance trains on its share of the training split's parts and
                // scores the whole validation split, so all instances stop at the same round.
                List.of(Channel.shardedCsv("train", preprocess.outputUri("train")),
                        Channel.csv("validation", preprocess.outputUri("validation"))),
                new OutputDataConfig(tuningOutputPath(), text(settings.kmsKeyId())),
                new ResourceConfig(Get.parameter(TRAINING_INSTANCE_TYPE), Get.parameter(TRAINING_INSTANCE_COUNT),
                        Jobs.VOLUME_SIZE_GB, text(settings.kmsKeyId())),
                // Spot capacity may take a while: wait up to an hour on top of the hour of training.
                new CreateHyperParameterTuningJob.StoppingCondition(3600, 7200),
                true, true, true,
                new CheckpointConfig(Jobs.runUri(settings, TUNE, "checkpoints"), "/opt/ml/checkpoints"));
        return new TuningStep(TUNE,
                "Tunes LightGBM hyperparameters for validation F1 with managed spot training.",
                List.of(), new CreateHyperParameterTuningJob.Arguments(config, definition));
    }

    /** Where the tuning job's training jobs write: {@code <this>/<training job name>/output/model.tar.gz}. */
    private Join tuningOutputPath() {
        return Jobs.runUri(settings, TUNE, "models");
    }

    /**
     * The best training job's model artifact, built like the SageMaker SDK's
     * {@code TuningStep.get_top_model_s3_uri}: the tuning output path, the job name, then
     * {@code output/model.tar.gz}.
     */
    private Join topModelUri(TuningStep tune) {
        var values = new ArrayList<>(tuningOutputPath().values());
        values.add(tune.bestTrainingJobName());
        values.add(Value.text("output"));
        values.add(Value.text("model.tar.gz"));
        return new Join("/", values);
    }

    private ProcessingStep evaluate(ProcessingStep preprocess, Value topModel) {
        var arguments = processingArguments(
                text(settings.imageUri()),
                Value.texts("evaluate"),
                List.of(Input.s3("model", topModel, Jobs.PROCESSING_ROOT + "model"),
                        Input.s3("test", preprocess.outputUri("test"), Jobs.PROCESSING_ROOT + "test")),
                List.of(Output.s3(EVALUATION_OUTPUT, Jobs.runUri(settings, EVALUATE, EVALUATION_OUTPUT),
                        Jobs.PROCESSING_ROOT + EVALUATION_OUTPUT)),
                true, 1800);
        return new ProcessingStep(EVALUATE, "Scores the best tuned model on the held-out test split.",
                List.of(), arguments,
                List.of(new PropertyFile(EVALUATION_REPORT, EVALUATION_OUTPUT, F1Gate.EVALUATION_FILE)));
    }

    /** The last Approved package of the group, whose reports Explain compares this model's with. */
    private LambdaStep resolveBaseline() {
        // Not required: a group with no Approved package answers Found=false and the marker's URI for every report.
        return ResolvePackageStep.of(RESOLVE_BASELINE,
                "Finds the group's last Approved model package and its bias and explainability reports, for drift.",
                settings, text(""), false, noApprovedPackageMarkerKey());
    }

    private ProcessingStep explain(ProcessingStep preprocess, Value topModel, LambdaStep baseline) {
        // The policy only marks the verdict in the HTML report; CheckBias decides. The baseline's
        // ARN and reason go as --name=value: either may be empty, and one element stays non-empty.
        var policy = List.<Value>of(Value.text("--min-disparate-impact"), Join.of("", Get.parameter(MIN_DISPARATE_IMPACT)),
                Value.text("--max-abs-dppl"), Join.of("", Get.parameter(MAX_ABS_DPPL)),
                Join.of("", Value.text("--baseline-package="), baseline.output(DeployFunction.RESOLVED_PACKAGE_ARN)),
                Join.of("", Value.text("--baseline-reason="), baseline.output(DeployFunction.REASON)));
        var arguments = processingArguments(
                text(settings.imageUri()),
                Value.texts("explain"),
                policy,
                List.of(Input.s3("model", topModel, Jobs.PROCESSING_ROOT + "model"),
                        Input.s3("test", preprocess.outputUri("test"), Jobs.PROCESSING_ROOT + "test"),
                        Input.s3(BASELINE_BIAS_INPUT, baseline.output(DeployFunction.BIAS_REPORT_URI),
                                Jobs.PROCESSING_ROOT + "input/" + BASELINE_BIAS_INPUT),
                        Input.s3(BASELINE_EXPLAINABILITY_INPUT, baseline.output(DeployFunction.EXPLAINABILITY_REPORT_URI),
                                Jobs.PROCESSING_ROOT + "input/" + BASELINE_EXPLAINABILITY_INPUT)),
                List.of(Output.s3(EXPLAIN_OUTPUT, Jobs.runUri(settings, EXPLAIN, EXPLAIN_OUTPUT),
                        Jobs.PROCESSING_ROOT + EXPLAIN_OUTPUT)),
                true, 3600);
        return new ProcessingStep(EXPLAIN,
                "Exact SHAP values (TreeSHAP) and bias metrics across the contract's fairness facets on the test split,"
                        + " compared with the last approved package's; writes bias.json, explainability.json, drift.json"
                        + " and report.html.",
                List.of(), arguments,
                List.of(new PropertyFile(BIAS_REPORT, EXPLAIN_OUTPUT, BIAS_FILE)));
    }

    /**
     * The model package, with the evaluation, bias and explainability reports; its drift-check
     * baselines are the last approved package's reports (the marker when there was none).
     */
    private RegisterModelStep register(String name, ProcessingStep evaluate, ProcessingStep explain,
            LambdaStep baseline, TuningStep tune, Value topModel, JsonGet f1) {
        var metrics = new ModelMetrics(
                new ModelQuality(MetricsSource.json(
                        Join.of("/", evaluate.outputUri(EVALUATION_OUTPUT), Value.text(F1Gate.EVALUATION_FILE)))),
                new CreateModelPackage.Bias(MetricsSource.json(explainReport(explain, BIAS_FILE))),
                new CreateModelPackage.Explainability(MetricsSource.json(explainReport(explain, EXPLAINABILITY_FILE))));
        var driftCheck = new DriftCheckBaselines(
                new DriftCheckBias(null, MetricsSource.json(baseline.output(DeployFunction.BIAS_REPORT_URI))),
                new DriftCheckExplainability(null, MetricsSource.json(baseline.output(DeployFunction.EXPLAINABILITY_REPORT_URI))));
        return new RegisterModelStep(name,
                "Registers the model package with its evaluation, bias and explainability reports.",
                List.of(), packageArguments(tune, topModel, f1, metrics, driftCheck));
    }

    private CreateModelPackage.Arguments packageArguments(TuningStep tune, Value topModel, JsonGet f1,
            ModelMetrics metrics, DriftCheckBaselines driftCheck) {
        var container = new CreateModelPackage.Container(text(settings.imageUri()), topModel);
        var inference = new InferenceSpecification(List.of(container), List.of("text/csv"), List.of("text/csv"),
                List.of(Get.parameter(DEPLOY_INSTANCE_TYPE)), List.of(Get.parameter(DEPLOY_INSTANCE_TYPE)));
        return new CreateModelPackage.Arguments(
                text(settings.modelPackageGroupName()),
                "LightGBM classifier of the dataset contract's label, tuned for F1 by a SageMaker pipeline execution.",
                inference, metrics, driftCheck, Get.parameter(MODEL_APPROVAL_STATUS),
                Map.of("pipeline_execution_arn", Get.PIPELINE_EXECUTION_ARN,
                        "training_job_name", tune.bestTrainingJobName(),
                        // Metadata values are strings; a one-element join turns the number into one.
                        "test_f1", Join.of("", f1),
                        DeployFunction.F1_THRESHOLD_METADATA, Join.of("", Get.parameter(F1_THRESHOLD))));
    }

    private LambdaStep deploy(String name, RegisterModelStep register) {
        return new LambdaStep(name, "Deploys the registered model package to the endpoint once it is approved.",
                List.of(), settings.deployFunctionArn(),
                Map.of(DeployFunction.MODEL_PACKAGE_ARN, register.modelPackageArn(),
                        DeployFunction.ENDPOINT_NAME, text(settings.endpointName()),
                        DeployFunction.INSTANCE_TYPE, Get.parameter(DEPLOY_INSTANCE_TYPE),
                        DeployFunction.INITIAL_INSTANCE_COUNT, Get.parameter(DEPLOY_INSTANCE_COUNT),
                        DeployFunction.F1_THRESHOLD, Get.parameter(F1_THRESHOLD)),
                DeployFunction.OUTPUTS.stream().map(LambdaOutput::string).toList());
    }

    private CreateProcessingJob.Arguments processingArguments(Value image, List<Value> entrypoint,
            List<Input> inputs, List<Output> outputs, boolean networkIsolation, int maxRuntimeSeconds) {
        return processingArguments(image, entrypoint, null, inputs, outputs, networkIsolation, maxRuntimeSeconds);
    }

    /**
     * A job on one instance: Evaluate and Explain read whole splits, so more instances would only
     * repeat the same work; only Preprocess shares its input out ({@link #PROCESSING_INSTANCE_COUNT}).
     */
    private CreateProcessingJob.Arguments processingArguments(Value image, List<Value> entrypoint, List<Value> arguments,
            List<Input> inputs, List<Output> outputs, boolean networkIsolation, int maxRuntimeSeconds) {
        return processingArguments(Value.integer(1), image, entrypoint, arguments, inputs, outputs, networkIsolation,
                maxRuntimeSeconds);
    }

    private CreateProcessingJob.Arguments processingArguments(Value instanceCount, Value image, List<Value> entrypoint,
            List<Value> arguments, List<Input> inputs, List<Output> outputs, boolean networkIsolation, int maxRuntimeSeconds) {
        return new CreateProcessingJob.Arguments(
                new Resources(new ClusterConfig(Get.parameter(PROCESSING_INSTANCE_TYPE),
                        instanceCount, Jobs.VOLUME_SIZE_GB, text(settings.kmsKeyId()))),
                new AppSpecification(image, entrypoint, arguments),
                text(settings.jobRoleArn()),
                inputs,
                new OutputConfig(outputs, text(settings.kmsKeyId())),
                new NetworkConfig(networkIsolation, true),
                new StoppingCondition(maxRuntimeSeconds),
                null);
    }

    /** One of the reports {@link #EXPLAIN} wrote for this execution: {@code <explain output>/<file>}. */
    private static Join explainReport(ProcessingStep explain, String file) {
        return Join.of("/", explain.outputUri(EXPLAIN_OUTPUT), Value.text(file));
    }

    private static Value text(String value) {
        return Value.text(value);
    }
}
