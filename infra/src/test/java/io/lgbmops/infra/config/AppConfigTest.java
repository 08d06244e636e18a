package io.lgbmops.infra.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lgbmops.pipeline.deploy.DeploySettings.DeploymentMode;
import io.lgbmops.pipeline.deploy.DeploySettings.TrafficStrategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppConfigTest {

    private static final Path REPO_ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();

    private static Map<String, Object> stages(Map<String, Object> dev) {
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("dev", dev);
        stages.put("prod", Map.of("minCapacity", 2, "maxCapacity", 8, "endpointInstanceCount", 2));
        return stages;
    }

    private static String failure(Map<String, Object> dev) {
        return assertThrows(ConfigException.class, () -> AppConfig.fromContext(stages(dev), null, REPO_ROOT)).getMessage();
    }

    @Test
    void fromContext_whenNoSettings_appliesDocumentedDefaults() {
        StageConfig dev = AppConfig.fromContext(stages(Map.of()), null, REPO_ROOT).stages().get(0);

        assertEquals(0.9, dev.f1Threshold());
        assertEquals(0.8, dev.minDisparateImpact());
        assertEquals(0.1, dev.maxAbsDppl());
        assertEquals(0.5, dev.minF1Threshold());
        assertEquals("ml.m5.large", dev.endpointInstanceType());
        assertEquals(20, dev.maxTuningJobs());
        assertEquals(2, dev.maxParallelTuningJobs());
        assertEquals(StageConfig.DataRemovalPolicy.RETAIN, dev.dataRemovalPolicy());
        assertEquals(TrafficStrategy.CANARY, dev.deploymentStrategy());
        assertEquals(DeploymentMode.REPLACE, dev.deploymentMode());
        assertEquals(10, dev.challengerWeightPercent());
        assertEquals(100, dev.shadowSamplingPercent());
        assertNull(dev.account());
        assertNull(dev.region());
    }

    @Test
    void fromContext_whenNoMonitoringSettings_capturesAFifthAndChecksDailyWithoutRetraining() {
        MonitoringConfig monitoring = AppConfig.fromContext(stages(Map.of()), null, REPO_ROOT).stages().get(0).monitoring();

        assertEquals(new MonitoringConfig(20, "rate(1 day)", 24, 200, 0.2, 0.2, 2, false, 24), monitoring);
    }

    @Test
    void fromContext_whenMonitoringSettingIsWrong_namesTheKeyAndValue() {
        assertEquals("stages.dev.dataCapturePercent must be in [0, 100], got 101", failure(Map.of("dataCapturePercent", 101)));
        assertEquals("stages.dev.monitorSchedule must be an EventBridge Scheduler expression such as rate(1 day) or "
                + "cron(0 6 * * ? *), got \"every day\"", failure(Map.of("monitorSchedule", "every day")));
        assertEquals("stages.dev.maxFeaturePsi must be in (0, 10], got 0.0", failure(Map.of("maxFeaturePsi", 0)));
        assertEquals("stages.dev.driftEvaluationPeriods must be in [1, 7], got 8", failure(Map.of("driftEvaluationPeriods", 8)));
        assertEquals("stages.dev.retrainOnDrift must be true or false, got \"yes\"", failure(Map.of("retrainOnDrift", "yes")));
        assertEquals("stages.dev.retrainOnDrift needs dataCapturePercent above 0: without captures nothing is monitored,"
                + " got dataCapturePercent 0", failure(Map.of("retrainOnDrift", true, "dataCapturePercent", 0)));
    }

    @Test
    void fromContext_whenNoSelector_buildsEveryStageWithSeparateNames() {
        List<StageConfig> stages = AppConfig.fromContext(stages(Map.of()), null, REPO_ROOT).stages();

        assertEquals(List.of("dev", "prod"), stages.stream().map(StageConfig::name).toList());
        assertEquals("lgbmops-dev-models", stages.get(0).modelPackageGroupName());
        assertEquals("lgbmops-prod-models", stages.get(1).modelPackageGroupName());
        assertEquals("LgbmOps-prod-Storage", stages.get(1).stackName("Storage"));
    }

    @Test
    void fromContext_whenSelectorNamesAStage_buildsOnlyThatStage() {
        List<StageConfig> stages = AppConfig.fromContext(stages(Map.of()), "prod", REPO_ROOT).stages();

        assertEquals(1, stages.size());
        assertEquals(2, stages.get(0).minCapacity());
    }

    @Test
    void fromContext_whenValuesComeAsStringsFromCommandLine_parsesThem() {
        StageConfig dev = AppConfig.fromContext(stages(Map.of("f1Threshold", "0.75", "maxTuningJobs", "4",
                "deploymentStrategy", "all-at-once")), null, REPO_ROOT).stages().get(0);

        assertEquals(0.75, dev.f1Threshold());
        assertEquals(4, dev.maxTuningJobs());
        assertEquals(TrafficStrategy.ALL_AT_ONCE, dev.deploymentStrategy());
    }

    @Test
    void failsFromContext_whenThresholdOutsideUnitInterval_namingKeyAndValue() {
        assertEquals("stages.dev.f1Threshold must be in (0, 1], got 1.7", failure(Map.of("f1Threshold", 1.7)));
        assertEquals("stages.dev.f1Threshold must be in (0, 1], got 0.0", failure(Map.of("f1Threshold", 0)));
        assertEquals("stages.dev.minF1Threshold must be in (0, 1], got 1.7", failure(Map.of("minF1Threshold", 1.7)));
        assertEquals("stages.dev.minF1Threshold must be in (0, 1], got 0.0", failure(Map.of("minF1Threshold", 0)));
    }

    @Test
    void failsFromContext_whenBiasPolicyOutsideUnitInterval_namingKeyAndValue() {
        assertEquals("stages.dev.minDisparateImpact must be in [0, 1], got 1.2", failure(Map.of("minDisparateImpact", 1.2)));
        assertEquals("stages.dev.maxAbsDppl must be in [0, 1], got -0.5", failure(Map.of("maxAbsDppl", -0.5)));
        StageConfig lenient = AppConfig.fromContext(stages(Map.of("minDisparateImpact", 0.6, "maxAbsDppl", 0.25)), null,
                REPO_ROOT).stages().get(0);
        assertEquals(0.6, lenient.minDisparateImpact());
        assertEquals(0.25, lenient.maxAbsDppl());
    }

    @Test
    void explainability_whenAbsent_isNative_andClarifyIsAccepted() {
        StageConfig bare = AppConfig.fromContext(stages(Map.of()), null, REPO_ROOT).stages().get(0);
        StageConfig clarify = AppConfig.fromContext(stages(Map.of("explainability", "clarify")), null, REPO_ROOT)
                .stages().get(0);

        assertEquals(io.lgbmops.pipeline.Explainability.NATIVE, bare.explainability());
        assertEquals(io.lgbmops.pipeline.Explainability.CLARIFY, clarify.explainability());
    }

    @Test
    void failsFromContext_whenExplainabilityUnknown_namingKeyAndAllowedValues() {
        assertEquals("stages.dev.explainability must be one of native, clarify, got \"shap\"",
                failure(Map.of("explainability", "shap")));
        assertEquals("stages.dev.explainability is clarify, but no SageMaker Clarify image is known for region"
                + " mx-central-1", failure(Map.of("explainability", "clarify", "region", "mx-central-1")));
    }

    @Test
    void failsFromContext_whenDefaultThresholdBelowTheFloor_namingBoth() {
        assertEquals("stages.dev.f1Threshold must not be below minF1Threshold (0.8), got 0.7",
                failure(Map.of("f1Threshold", 0.7, "minF1Threshold", 0.8)));
    }

    @Test
    void failsFromContext_whenKeyIsUnknown_namingTheTypo() {
        String message = failure(Map.of("f1Treshold", 0.8));

        assertEquals(true, message.startsWith("stages.dev.f1Treshold is not a known setting"), message);
    }

    @Test
    void failsFromContext_whenInstanceTypeMalformed_namingKeyAndValue() {
        assertEquals("stages.dev.endpointInstanceType must be a SageMaker instance type such as ml.m5.large, got \"m5.large\"",
                failure(Map.of("endpointInstanceType", "m5.large")));
    }

    @Test
    void failsFromContext_whenCapacityRangeInverted_namingBothBounds() {
        assertEquals("stages.dev.maxCapacity must not be below minCapacity (3), got 2",
                failure(Map.of("minCapacity", 3, "maxCapacity", 2, "endpointInstanceCount", 2)));
    }

    @Test
    void failsFromContext_whenNumberIsNotANumber_namingKeyAndValue() {
        assertEquals("stages.dev.maxTuningJobs must be a whole number, got \"twenty\"", failure(Map.of("maxTuningJobs", "twenty")));
        assertEquals("stages.dev.maxParallelTuningJobs must not exceed maxTuningJobs (2), got 3",
                failure(Map.of("maxTuningJobs", 2, "maxParallelTuningJobs", 3)));
    }

    @Test
    void failsFromContext_whenEnumValueUnknown_listingAllowedValues() {
        assertEquals("stages.dev.dataRemovalPolicy must be one of retain, destroy, got \"snapshot\"",
                failure(Map.of("dataRemovalPolicy", "snapshot")));
    }

    @Test
    void failsFromContext_whenVariantSettingsOutOfRange_namingKeyAndValue() {
        assertEquals("stages.dev.challengerWeightPercent must be in [1, 99], got 0",
                failure(Map.of("challengerWeightPercent", 0)));
        assertEquals("stages.dev.challengerWeightPercent must be in [1, 99], got 100",
                failure(Map.of("challengerWeightPercent", 100)));
        assertEquals("stages.dev.shadowSamplingPercent must be in [1, 100], got 0",
                failure(Map.of("shadowSamplingPercent", 0)));
        assertEquals("stages.dev.deploymentMode must be one of replace, ab, shadow, got \"canary\"",
                failure(Map.of("deploymentMode", "canary")));
    }

    @Test
    void fromContext_whenModeIsAb_readsModeAndWeight() {
        StageConfig dev = AppConfig.fromContext(stages(Map.of("deploymentMode", "ab", "challengerWeightPercent", "20")),
                null, REPO_ROOT).stages().get(0);

        assertEquals(DeploymentMode.AB, dev.deploymentMode());
        assertEquals(20, dev.challengerWeightPercent());
    }

    @Test
    void failsFromContext_whenAccountMalformed_namingKeyAndValue() {
        assertEquals("stages.dev.account must be a 12-digit AWS account id, got \"1234\"", failure(Map.of("account", "1234")));
    }

    @Test
    void fromContext_whenDatasetIsLeftOut_readsTheCensusContract() {
        StageConfig dev = AppConfig.fromContext(stages(Map.of()), null, REPO_ROOT).stages().get(0);

        assertEquals("datasets/census.json", dev.datasetFile());
        assertEquals("census", dev.dataset().name());
    }

    @Test
    void fromContext_whenDatasetNamesAnotherContract_readsIt() {
        StageConfig dev = AppConfig.fromContext(stages(Map.of("dataset", "datasets/penguins.json")), null, REPO_ROOT)
                .stages().get(0);

        assertEquals("penguins", dev.dataset().name());
        assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), dev.dataset().label().classes());
    }

    @Test
    void failsFromContext_whenDatasetContractBreaksARule_namingKeyFileAndValue(@TempDir Path repo) throws Exception {
        Path datasets = Files.createDirectories(repo.resolve("datasets"));
        Files.writeString(datasets.resolve("census.json"), Files.readString(REPO_ROOT.resolve("datasets/census.json"))
                .replace("\"column\": \"income\"", "\"column\": \"incme\""));

        String message = assertThrows(ConfigException.class,
                () -> AppConfig.fromContext(stages(Map.of()), null, repo)).getMessage();

        assertEquals("stages.dev.dataset: datasets/census.json: label.column 'incme' is not a column", message);
    }

    @Test
    void failsFromContext_whenDatasetFileIsMissingOrOutsideTheRepository() {
        assertEquals("stages.dev.dataset: datasets/credit.json: cannot read the contract (NoSuchFileException: "
                + REPO_ROOT.resolve("datasets/credit.json") + ")", failure(Map.of("dataset", "datasets/credit.json")));
        assertEquals("stages.dev.dataset must be a .json file relative to the repository root, such as "
                + "datasets/churn.json, got \"../elsewhere/census.json\"", failure(Map.of("dataset", "../elsewhere/census.json")));
        assertEquals("stages.dev.dataset must be a .json file relative to the repository root, such as "
                + "datasets/churn.json, got \"/etc/census.json\"", failure(Map.of("dataset", "/etc/census.json")));
    }

    @Test
    void failsFromContext_whenSelectorNamesNoStage_listingStages() {
        String message = assertThrows(ConfigException.class, () -> AppConfig.fromContext(stages(Map.of()), "qa", REPO_ROOT)).getMessage();

        assertEquals("stage must be one of [dev, prod], got \"qa\"", message);
    }

    @Test
    void failsFromContext_whenStagesMissing_explainingWhereTheyGo() {
        String message = assertThrows(ConfigException.class, () -> AppConfig.fromContext(null, null, REPO_ROOT)).getMessage();

        assertEquals("stages must be an object of stage name to settings in cdk.json context, got null", message);
    }
}
