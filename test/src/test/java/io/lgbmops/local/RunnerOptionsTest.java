package io.lgbmops.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.local.template.DefinitionSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerOptionsTest {

    private static final String ROOT = System.getProperty("repo.root", ".");

    @Test
    void parse_whenRepeatedPairs_keepsEach() {
        RunnerOptions options = RunnerOptions.parse(List.of("--repo-root", ROOT, "--param", "F1Threshold=0.5",
                "--param=MaxTuningJobs=2", "--hp", "num_iterations=50", "--lambda-env", "KEEP_LAST_VERSIONS=1",
                "--keep-emulator", "--seed", "7"));

        assertEquals(Map.of("F1Threshold", "0.5", "MaxTuningJobs", "2"), options.parameters());
        assertEquals(Map.of("num_iterations", "50"), options.hyperparameterOverrides());
        assertEquals(Map.of("KEEP_LAST_VERSIONS", "1"), options.lambdaEnvironment());
        assertEquals(7, options.seed());
        assertTrue(options.keepEmulator());
        assertEquals(Path.of(ROOT).toAbsolutePath().normalize().resolve(".venv"), options.venv());
    }

    @Test
    void parse_failsWhenEndpointIsNotLoopback() {
        RunnerOptions.UsageException error = assertThrows(RunnerOptions.UsageException.class,
                () -> RunnerOptions.parse(List.of("--repo-root", ROOT, "--endpoint-url", "http://10.0.0.5:5000")));

        assertTrue(error.getMessage().contains("127.0.0.1"), error.getMessage());
    }

    @Test
    void parse_failsOnAPairWithoutValue() {
        assertThrows(RunnerOptions.UsageException.class, () -> RunnerOptions.parse(List.of("--repo-root", ROOT, "--param", "F1Threshold")));
    }

    @Test
    void load_whenNoCdkOutHasAPipeline_fallsBackToTheDefinitionPipelineSpecBuilds(@org.junit.jupiter.api.io.TempDir Path emptyRoot) {
        RunnerOptions options = RunnerOptions.parse(List.of("--repo-root", emptyRoot.toString()));

        DefinitionSource source = DefinitionSource.load(options);

        assertTrue(source.description().startsWith("pipeline-spec"), source.description());
        assertEquals("Preprocess", source.definition().at("/Steps/0/Name").asText());
        assertEquals(Map.of(), source.staticFiles(), "a plain definition comes with no files; the runner uploads the contract");
    }

    @Test
    void parse_whenPipelineIsMonitor_picksTheMonitoringPipelineAndRefusesUnknownKinds(@org.junit.jupiter.api.io.TempDir Path emptyRoot) {
        RunnerOptions options = RunnerOptions.parse(List.of("--repo-root", emptyRoot.toString(), "--pipeline", "monitor"));

        assertTrue(options.monitoring());
        DefinitionSource source = DefinitionSource.load(options);
        assertTrue(source.description().contains("MonitorPipeline"), source.description());
        assertEquals("DescribeLive", source.definition().at("/Steps/0/Name").asText());
        assertFalse(RunnerOptions.parse(List.of("--repo-root", ROOT)).monitoring());
        RunnerOptions.UsageException error = assertThrows(RunnerOptions.UsageException.class,
                () -> RunnerOptions.parse(List.of("--repo-root", ROOT, "--pipeline", "batchy")));
        assertEquals("--pipeline must be one of [train, batch, monitor], got 'batchy'", error.getMessage());
    }

    @Test
    void parse_failsWhenDatasetComesWithoutData() {
        RunnerOptions.UsageException error = assertThrows(RunnerOptions.UsageException.class,
                () -> RunnerOptions.parse(List.of("--repo-root", ROOT, "--dataset", "datasets/churn.json")));

        assertEquals("--dataset needs --data FILE: the table the contract describes", error.getMessage());
    }

    @Test
    void run_whenOptionIsUnknown_printsUsageAndExitsWith2() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = LocalPipelineRunner.run(List.of("--repo-root", ROOT, "--bogus"), new PrintStream(out, true, StandardCharsets.UTF_8));

        assertEquals(LocalPipelineRunner.USAGE, status);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: java -jar test/target/local-run.jar"));
    }

    @Test
    void run_whenCdkOutIsMissing_exitsWith2BeforeStartingAnything() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = LocalPipelineRunner.run(List.of("--repo-root", ROOT, "--cdk-out", ROOT + "/does-not-exist"),
                new PrintStream(out, true, StandardCharsets.UTF_8));

        assertEquals(LocalPipelineRunner.USAGE, status);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("no cdk.out directory"), out.toString(StandardCharsets.UTF_8));
    }
}
