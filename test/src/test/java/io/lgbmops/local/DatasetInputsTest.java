package io.lgbmops.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.execution.PipelineDefinition;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.Parameters;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which contract and data a local execution reads, and where they go in the emulator's S3. */
class DatasetInputsTest {

    private static final Path ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    private static final PipelineDefinition DEFINITION = PipelineDefinition.parse(
            Json.read(LightGbmPipeline.build(PipelineSettings.placeholders()).toJson()));
    private static final Map<String, JsonNode> DEFAULTS = Parameters.resolve(DEFINITION, Map.of());

    private static RunnerOptions options(String... extra) {
        List<String> args = new ArrayList<>(List.of("--repo-root", ROOT.toString()));
        args.addAll(List.of(extra));
        return RunnerOptions.parse(args);
    }

    @Test
    void choose_whenNoDatasetIsGiven_uploadsCensusToTheDefaults() {
        DatasetInputs inputs = DatasetInputs.choose(options(), Map.of(), DEFAULTS);

        assertEquals("census", inputs.contract().name());
        assertEquals("s3://lgbmops-write-111122223333/pipeline-settings/datasets/census.json",
                inputs.contractTarget().toString());
        assertEquals("s3://lgbmops-read-111122223333/raw/census/", inputs.dataTarget().toString());
        assertTrue(inputs.uploadContract());
        assertEquals(Map.of(), inputs.parameterOverrides());
    }

    @Test
    void choose_whenTheStackDeploysTheContract_usesItWithoutUploadingAgain() {
        String deployed = DEFAULTS.get("DatasetContractUri").asText();
        String churn = Json.write(Json.read(ROOT.resolve("datasets/churn.json")));

        DatasetInputs inputs = DatasetInputs.choose(options(), Map.of(deployed, churn), DEFAULTS);

        assertEquals("churn", inputs.contract().name());
        assertFalse(inputs.uploadContract());
        assertEquals("the contract the stack deploys", inputs.shownAs());
    }

    @Test
    void choose_whenAnotherDatasetIsGiven_placesItWhereTheStackWouldForThatName() {
        DatasetInputs inputs = DatasetInputs.choose(options("--dataset", ROOT.resolve("datasets/penguins.json").toString(),
                "--data", ROOT.resolve("datasets/penguins/penguins.csv").toString()), Map.of(), DEFAULTS);

        assertEquals(Map.of(
                "DatasetContractUri", "s3://lgbmops-write-111122223333/pipeline-settings/datasets/penguins.json",
                "InputDataUri", "s3://lgbmops-read-111122223333/raw/penguins/"), inputs.parameterOverrides());
        assertTrue(inputs.uploadContract());
    }

    @Test
    void choose_whenParametersNameTheUris_keepsThem() {
        DatasetInputs inputs = DatasetInputs.choose(options("--dataset", ROOT.resolve("datasets/churn.json").toString(),
                "--data", ROOT.resolve("datasets/churn/mlc_churn.csv").toString(),
                "--param", "DatasetContractUri=s3://lgbmops-write-111122223333/mine/churn.json",
                "--param", "InputDataUri=s3://lgbmops-read-111122223333/mine/"), Map.of(), DEFAULTS);

        assertEquals("s3://lgbmops-write-111122223333/mine/churn.json", inputs.contractTarget().toString());
        assertEquals("s3://lgbmops-read-111122223333/mine/", inputs.dataTarget().toString());
        assertEquals(Map.of(), inputs.parameterOverrides());
    }

    @Test
    void choose_failsWithTheContractsOneLineMessage(@TempDir Path tmp) throws Exception {
        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, Files.readString(ROOT.resolve("datasets/churn.json"))
                .replace("\"positive\": \"yes\"", "\"positive\": \"yes\", \"classes\": [\"a\", \"b\", \"c\"]"));

        RunnerOptions.UsageException error = assertThrows(RunnerOptions.UsageException.class,
                () -> DatasetInputs.choose(options("--dataset", broken.toString(), "--data", broken.toString()),
                        Map.of(), DEFAULTS));

        assertEquals(broken + ": label has both positive and classes; give positive (binary) or classes (multiclass),"
                + " not both", error.getMessage());
    }
}
