package io.lgbmops.local.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.steps.TuningStepExecutor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sagemaker.model.MetricDefinition;

class TrainingJobRunnerTest {

    private static final List<MetricDefinition> DEFINITIONS = List.of(
            MetricDefinition.builder().name("validation:f1").regex("validation_f1=([0-9\\.]+)").build(),
            MetricDefinition.builder().name("train:auc").regex("train_auc=([0-9\\.]+)").build(),
            MetricDefinition.builder().name("missing").regex("nope=([0-9\\.]+)").build());

    @Test
    void metrics_takeTheLastMatchOfEachDefinition() {
        String log = """
                2024-01-01 INFO lgbmops: hyperparameters: {...}
                validation_f1=0.70
                train_auc=0.95
                validation_f1=0.712345
                """;

        assertEquals(Map.of("validation:f1", 0.712345, "train:auc", 0.95), TrainingJobRunner.metrics(DEFINITIONS, log));
    }

    @Test
    void hyperparameters_failWhenAValueIsNotAString() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> TrainingJobRunner.hyperparameters(Json.read("{\"seed\": 42}"), "StaticHyperParameters"));

        assertTrue(error.getMessage().contains("StaticHyperParameters.seed must be a string"), error.getMessage());
    }

    @Test
    void printedMetrics_readNameValueLinesOnly() {
        assertEquals(Map.of("rows", 32561.0, "test_f1", 0.7034),
                ContainerPaths.printedMetrics("INFO something=else here\nrows=32561\ntest_f1=0.7034\n"));
    }

    @Test
    void local_mapsOptMlPathsIntoTheJobAndRefusesOthers() {
        Path optMl = Path.of("/tmp/job/opt_ml");

        assertEquals(optMl.resolve("processing/input"), ContainerPaths.local(optMl, "/opt/ml/processing/input/"));
        assertThrows(IllegalStateException.class, () -> ContainerPaths.local(optMl, "/etc/passwd"));
        assertThrows(IllegalStateException.class, () -> ContainerPaths.local(optMl, "/opt/ml/../../etc"));
    }

    @Test
    void trialName_followsSageMakersPattern() {
        String name = TuningStepExecutor.trialName("abc123def456-tune", 7);

        assertTrue(name.matches("abc123def456-tune-007-[0-9a-f]{8}"), name);
    }
}
