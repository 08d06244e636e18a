package io.lgbmops.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.deploy.MotoServer;
import io.lgbmops.local.emulator.AwsClients;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.RunnerJar.Run;
import io.lgbmops.local.expressions.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageSummary;

/**
 * The whole pipeline on each dataset of the repository, run as a user runs it
 * ({@code java -jar local-run.jar}), from the definition pipeline-spec's build writes: the same
 * definition reads census, churn (binary) and penguins (multiclass) through their contracts. A
 * small tuning budget keeps each run short.
 */
class LocalPipelineRunIT {

    private static final long TIMEOUT_MINUTES = 5;
    private static final String GROUP = "lgbmops-models";
    private static final String ENDPOINT = "lgbmops-endpoint";

    private static RunnerJar runner;
    private static Path root;
    private static Path definition;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locateBuild() {
        runner = RunnerJar.built(TIMEOUT_MINUTES);
        root = runner.root();
        definition = root.resolve("pipeline-spec/target/pipeline-definition.json");
        assertTrue(Files.isRegularFile(definition), definition + " is missing: pipeline-spec's package phase writes it");
        assertTrue(Files.isRegularFile(root.resolve("lambda-deploy/target/lambda-deploy.jar")), "lambda-deploy.jar is missing");
    }

    /** A policy census's model meets: its sex=Female DI is about 0.3 and its |DPPL| about 0.19. */
    private static final List<String> LENIENT_BIAS_POLICY = List.of(
            "--param", "MinDisparateImpact=0.2", "--param", "MaxAbsDPPL=0.3");

    @Test
    void run_whenF1ThresholdIsReachable_registersDeploysAndServesTheModel() throws Exception {
        passPath(LENIENT_BIAS_POLICY, "0.6", 1);
    }

    /**
     * Two executions in one account: the first finds no approved package (drift skipped, its
     * drift-check baselines name the marker); the second compares with the first's reports and
     * registers them as its baselines.
     */
    @Test
    void run_twice_secondComparesWithTheFirstApprovedPackagesReports() throws Exception {
        try (MotoServer moto = MotoServer.start();
             AwsClients aws = new AwsClients(moto.endpoint())) {
            List<String> args = new ArrayList<>(LENIENT_BIAS_POLICY);
            args.addAll(List.of("--param", "F1Threshold=0.6", "--param", "ModelApprovalStatus=Approved",
                    "--endpoint-url", moto.endpoint().toString(), "--smoke-rows", "0"));
            Run first = run(args.toArray(String[]::new));
            assertEquals(0, first.exitCode(), first.output());
            JsonNode resolved = first.step("ResolveBaseline").at("/details/result");
            assertEquals("false", resolved.path("Found").asText(), first.output());
            assertEquals("no Approved model package in group " + GROUP, resolved.path("Reason").asText());
            String marker = resolved.path("BiasReportUri").asText();
            assertTrue(marker.endsWith("/pipeline-settings/no-approved-package.json"), marker);
            var firstPackage = onlyPackage(aws.sageMaker(), 1);
            assertEquals(marker, firstPackage.driftCheckBaselines().bias().postTrainingConstraints().s3Uri());
            JsonNode skipped = Json.read(aws.s3().getObjectAsBytes(b -> b.bucket(S3Uri.parse(marker).bucket())
                    .key(reportKey(firstPackage, "drift.json"))).asUtf8String());
            assertEquals("skipped", skipped.path("status").asText(), skipped.toString());
            assertEquals("no Approved model package in group " + GROUP, skipped.path("reason").asText());

            // Pending approval: the deploy function leaves the endpoint alone (the emulator cannot update one).
            args.set(args.indexOf("ModelApprovalStatus=Approved"), "ModelApprovalStatus=PendingManualApproval");
            Run second = run(args.toArray(String[]::new));
            assertEquals(0, second.exitCode(), second.output());
            JsonNode found = second.step("ResolveBaseline").at("/details/result");
            assertEquals("true", found.path("Found").asText(), second.output());
            assertEquals(firstPackage.modelPackageArn(), found.path("ModelPackageArn").asText());
            var secondPackage = onlyPackage(aws.sageMaker(), 2);
            assertEquals(firstPackage.modelMetrics().bias().postTrainingReport().s3Uri(),
                    secondPackage.driftCheckBaselines().bias().postTrainingConstraints().s3Uri());
            assertEquals(firstPackage.modelMetrics().explainability().report().s3Uri(),
                    secondPackage.driftCheckBaselines().explainability().constraints().s3Uri());
            JsonNode compared = Json.read(aws.s3().getObjectAsBytes(b -> b.bucket(S3Uri.parse(marker).bucket())
                    .key(reportKey(secondPackage, "drift.json"))).asUtf8String());
            assertEquals("compared", compared.path("status").asText(), compared.toString());
            assertEquals(firstPackage.modelPackageArn(), compared.path("baseline_package").asText());
            JsonNode ranking = compared.at("/feature_ranking/label0");
            assertEquals(5, ranking.path("top_k_now").size(), ranking.toString());
            assertTrue(ranking.path("spearman").isNumber(), ranking.toString());
            assertTrue(compared.at("/bias/post_training_bias_metrics/facets/sex/0/metrics").size() > 0, compared.toString());
        }
    }

    /** The newest of the group's packages, once there are {@code count}. */
    private static software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse onlyPackage(
            SageMakerClient sageMaker, int count) {
        List<ModelPackageSummary> packages = sageMaker.listModelPackages(b -> b.modelPackageGroupName(GROUP)
                .sortBy("CreationTime").sortOrder("Descending")).modelPackageSummaryList();
        assertEquals(count, packages.size(), packages.toString());
        return sageMaker.describeModelPackage(b -> b.modelPackageName(packages.get(0).modelPackageArn()));
    }

    /** The key of a report beside the package's bias report (Explain's output). */
    private static String reportKey(software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse pkg,
            String file) {
        S3Uri bias = S3Uri.parse(pkg.modelMetrics().bias().postTrainingReport().s3Uri());
        return bias.key().substring(0, bias.key().lastIndexOf('/') + 1) + file;
    }

    @Test
    void run_onCensusWithTheDefaultBiasPolicy_endsInTheBiasGateNamingSexFemale() throws Exception {
        Run run = run("--param", "F1Threshold=0.6");

        assertEquals(1, run.exitCode(), run.output());
        String reason = run.summary().path("failureReason").asText();
        Matcher di = Pattern.compile("disparate impact \\(DI\\) of sex=Female is (0\\.\\d+) \\(MinDisparateImpact=0\\.8\\)")
                .matcher(reason);
        assertTrue(di.find(), reason);
        Matcher dppl = Pattern.compile("\\|DPPL\\| of sex=Female is (0\\.\\d+) \\(MaxAbsDPPL=0\\.1\\)").matcher(reason);
        assertTrue(dppl.find(), reason);
        assertTrue(Double.parseDouble(di.group(1)) < 0.8, reason);
        assertTrue(Double.parseDouble(dppl.group(1)) > 0.1 && Double.parseDouble(dppl.group(1)) < 0.35, reason);
        assertEquals("Succeeded", run.step("Explain").path("status").asText(), run.output());
        assertEquals("Failed", run.step("BiasAboveLimit").path("status").asText(), run.output());
        assertEquals("NotExecuted", run.step("Register").path("status").asText());
        assertEquals(0, run.summary().at("/emulatorState/modelPackages").size());
    }

    @Test
    void run_onChurn_registersDeploysAndServesOneProbabilityPerRow() throws Exception {
        passPath(List.of("--dataset", root.resolve("datasets/churn.json").toString(),
                "--data", root.resolve("datasets/churn/mlc_churn.csv").toString()), "0.6", 1);
    }

    @Test
    void run_onPenguins_registersDeploysAndServesOneProbabilityPerClass() throws Exception {
        passPath(List.of("--dataset", root.resolve("datasets/penguins.json").toString(),
                "--data", root.resolve("datasets/penguins/penguins.csv").toString()), "0.6", 3);
    }

    @Test
    void run_whenContractDoesNotMatchTheData_failsInPreprocessNamingTheColumn() throws Exception {
        // churn's header names the column "state"; this contract expects "us_state" there.
        Path contract = tmp.resolve("churn.json");
        Files.writeString(contract, Files.readString(root.resolve("datasets/churn.json"))
                .replace("\"name\": \"state\"", "\"name\": \"us_state\""));

        Run run = run("--dataset", contract.toString(), "--data", root.resolve("datasets/churn/mlc_churn.csv").toString());

        assertEquals(1, run.exitCode(), run.output());
        JsonNode preprocess = run.step("Preprocess");
        assertEquals("Failed", preprocess.path("status").asText(), run.output());
        String reason = run.summary().path("failureReason").asText();
        assertTrue(reason.contains("us_state"), "the message names the column: " + reason);
        assertFalse(reason.contains("Traceback"), "a message, not a stack trace: " + reason);
        assertEquals("NotStarted", run.step("Tune").path("status").asText());
    }

    /**
     * A run that deploys: package approved, endpoint in service, and the served model answers each
     * row, after the bias gate passed (a contract without a fairness facet passes it, recorded so).
     */
    private void passPath(List<String> dataset, String f1Threshold, int valuesPerRow) throws Exception {
        try (MotoServer moto = MotoServer.start();
             AwsClients aws = new AwsClients(moto.endpoint())) {
            // Above the deploy function's floor (0.5), so the gate it applies can only come from the execution.
            List<String> args = new ArrayList<>(dataset);
            args.addAll(List.of("--param", "F1Threshold=" + f1Threshold, "--param", "ModelApprovalStatus=Approved",
                    "--endpoint-url", moto.endpoint().toString(), "--smoke-rows", "3"));
            Run run = run(args.toArray(String[]::new));

            assertEquals(0, run.exitCode(), run.output());
            assertEquals("Succeeded", run.summary().path("status").asText());
            assertEquals(2, run.step("Tune").at("/details/trialsCompleted").asInt(), run.output());
            JsonNode smoke = run.summary().path("smokeTest");
            assertEquals(3, smoke.path("rows").asInt());
            assertEquals(3, smoke.path("predictions").asInt());
            for (JsonNode example : smoke.path("examples")) {
                String[] values = example.path("prediction").asText().split(",");
                assertEquals(valuesPerRow, values.length, "values per row: " + example);
                double sum = 0;
                for (String value : values) {
                    double p = Double.parseDouble(value);
                    assertTrue(p >= 0 && p <= 1, "a probability: " + example);
                    sum += p;
                }
                if (valuesPerRow > 1) {
                    assertEquals(1.0, sum, 1e-3, "class probabilities add up to 1: " + example);
                }
            }
            assertEquals("Succeeded", run.step("Explain").path("status").asText(), run.output());
            assertEquals("Succeeded", run.step("CheckBias").path("status").asText(), run.output());
            String deployStep = "Deploy";

            SageMakerClient sageMaker = aws.sageMaker();
            List<ModelPackageSummary> packages = sageMaker.listModelPackages(b -> b.modelPackageGroupName(GROUP))
                    .modelPackageSummaryList();
            assertEquals(1, packages.size());
            assertEquals("Approved", packages.get(0).modelApprovalStatusAsString());
            var registered = sageMaker.describeModelPackage(b -> b.modelPackageName(packages.get(0).modelPackageArn()));
            assertEquals("0.6", registered.customerMetadataProperties().get("f1_threshold"));
            assertTrue(registered.modelMetrics().bias().postTrainingReport().s3Uri().endsWith("/Explain/explain/bias.json"),
                    registered.modelMetrics().toString());
            assertTrue(registered.modelMetrics().explainability().report().s3Uri()
                    .endsWith("/Explain/explain/explainability.json"), registered.modelMetrics().toString());
            var endpoint = sageMaker.describeEndpoint(b -> b.endpointName(ENDPOINT));
            assertEquals("InService", endpoint.endpointStatusAsString());
            var config = sageMaker.describeEndpointConfig(b -> b.endpointConfigName(endpoint.endpointConfigName()));
            assertTrue(config.productionVariants().get(0).modelName().startsWith(ENDPOINT), config.toString());
            assertEquals("DEPLOYED", run.step(deployStep).at("/details/result/status").asText());
            assertEquals(Double.parseDouble(f1Threshold), run.step(deployStep).at("/details/result/f1_threshold").asDouble(),
                    1e-9, run.output());
        }
    }

    @Test
    void run_whenF1ThresholdIsOutOfReach_endsInTheFailStepWithTheF1Reached() throws Exception {
        Run run = run("--param", "F1Threshold=0.99");

        assertEquals(1, run.exitCode(), run.output());
        String reason = run.summary().path("failureReason").asText();
        Matcher f1 = Pattern.compile("test F1 (0\\.\\d+) is below the threshold F1Threshold=0\\.99").matcher(reason);
        assertTrue(f1.find(), reason);
        double evaluated = run.step("Evaluate").at("/details/metrics/test_f1").asDouble();
        assertEquals(evaluated, Double.parseDouble(f1.group(1)), 1e-6);
        assertTrue(run.output().contains(reason), "the terminal shows the Fail step's message");
        assertEquals("Failed", run.step("F1BelowThreshold").path("status").asText());
        assertEquals("NotExecuted", run.step("Register").path("status").asText());
        assertEquals(0, run.summary().at("/emulatorState/modelPackages").size());
    }

    @Test
    void run_withTwoTrainingInstances_eachTrialTrainsOnTwoHostsWithTheirShards() throws Exception {
        Run run = run("--param", "TrainingInstanceCount=2", "--param", "F1Threshold=0.99");

        assertEquals("Succeeded", run.step("Tune").path("status").asText(), run.output());
        assertEquals(2, run.step("Tune").at("/details/trialsCompleted").asInt(), run.output());
        assertEquals("Succeeded", run.step("Evaluate").path("status").asText(), run.output());
        List<Path> secondHostLogs;
        try (var files = Files.walk(tmp.resolve("work"))) {
            secondHostLogs = files.filter(p -> p.getFileName().toString().equals("algo-2.log")).toList();
        }
        assertEquals(2, secondHostLogs.size(), "one second host per trial: " + secondHostLogs);
        for (Path secondLog : secondHostLogs) {
            Path jobDir = secondLog.getParent();
            String leaderLog = Files.readString(jobDir.resolve("job.log"));
            assertTrue(leaderLog.contains("hosts=2"), leaderLog);
            assertTrue(Files.readString(secondLog).contains("host algo-2 (rank 1 of 2): boosted"),
                    Files.readString(secondLog));
            // ShardedByS3Key: the hosts hold different parts of the training split, none all.
            List<String> first = names(jobDir.resolve("algo-1/opt_ml/input/data/train"));
            List<String> second = names(jobDir.resolve("algo-2/opt_ml/input/data/train"));
            assertFalse(first.isEmpty() || second.isEmpty(), first + " / " + second);
            assertTrue(first.stream().noneMatch(second::contains), first + " / " + second);
            assertEquals(names(jobDir.resolve("algo-1/opt_ml/input/data/validation")),
                    names(jobDir.resolve("algo-2/opt_ml/input/data/validation")));
        }
    }

    @Test
    void run_withTwoPreprocessAndTwoTrainingInstances_eachInstanceSplitsItsOwnFiles() throws Exception {
        // The census table in two files: ShardedByS3Key hands one to each preprocess instance.
        Path data = Files.createDirectories(tmp.resolve("census-in-two"));
        List<String> lines = Files.readAllLines(root.resolve("datasets/census/adult.data")).stream()
                .filter(line -> !line.isBlank()).toList();
        for (int part = 0; part < 2; part++) {
            List<String> share = new ArrayList<>();
            for (int i = part; i < lines.size(); i += 2) {
                share.add(lines.get(i));
            }
            Files.write(data.resolve("adult-" + part + ".data"), share);
        }

        Run run = run("--data", data.toString(), "--param", "ProcessingInstanceCount=2",
                "--param", "TrainingInstanceCount=2", "--param", "F1Threshold=0.99");

        assertEquals("Succeeded", run.step("Preprocess").path("status").asText(), run.output());
        Path preprocessJob;
        try (var dirs = Files.walk(tmp.resolve("work"))) {
            preprocessJob = dirs.filter(p -> p.getFileName().toString().contains("-Preprocess-")
                    && Files.isDirectory(p.resolve("algo-2"))).findFirst().orElseThrow();
        }
        for (int host = 1; host <= 2; host++) {
            Path optMl = preprocessJob.resolve("algo-" + host + "/opt_ml");
            assertEquals(List.of("adult-" + (host - 1) + ".data"), names(optMl.resolve("processing/input/data")));
            assertEquals("algo-" + host, Json.read(optMl.resolve("config/resourceconfig.json")).path("current_host").asText());
            assertTrue(names(optMl.resolve("processing/test")).contains("test-0000" + (host - 1) + ".csv"));
        }
        assertEquals(2, run.step("Tune").at("/details/trialsCompleted").asInt(), run.output());
        assertEquals("Succeeded", run.step("Evaluate").path("status").asText(), run.output());
        // The evaluated test split holds both instances' rows, read through their merged description.
        Path evaluateTest;
        try (var dirs = Files.walk(tmp.resolve("work"))) {
            evaluateTest = dirs.filter(p -> p.endsWith("opt_ml/processing/test")
                    && p.toString().contains("Evaluate")).findFirst().orElseThrow();
        }
        assertEquals(List.of("dataset-00000-of-00002.json", "dataset-00001-of-00002.json", "test-00000.csv",
                "test-00001.csv"), names(evaluateTest));
        assertTrue(run.step("Evaluate").at("/details/metrics/test_auc").asDouble() > 0.85, run.output());
    }

    /** The files of a channel, by name (the channel holds the prefix's last folder). */
    private static List<String> names(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Run run(String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--definition", definition.toString(),
                "--param", "MaxTuningJobs=2", "--param", "MaxParallelTuningJobs=2"));
        args.addAll(List.of(extra));
        return runner.run(tmp, "runner", tmp.resolve("work"), args);
    }

}
