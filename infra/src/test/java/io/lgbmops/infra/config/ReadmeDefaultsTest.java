package io.lgbmops.infra.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.Parameter;
import io.lgbmops.pipeline.PipelineSettings;
import io.lgbmops.pipeline.deploy.DeploySettings;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The default tables of the READMEs say what the owners say: the stage keys (root README) what a
 * stage without them gets, the deploy function's variables (lambda-deploy) {@link DeploySettings}'s
 * defaults, the pipeline's parameters (pipeline-spec) the defaults of the definition it builds.
 */
class ReadmeDefaultsTest {

    private static final Path REPO_ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void rootReadme_stageKeyDefaults_areWhatAStageWithoutThemGets() throws Exception {
        StageConfig bare = AppConfig.fromContext(Map.of("dev", Map.of()), null, REPO_ROOT).stages().get(0);
        Map<String, String> documented = documentedDefaults(REPO_ROOT.resolve("README.md"), "| Key | Default | Meaning |", 0, 1);

        Map<String, String> ownersSay = new TreeMap<>();
        for (String key : documented.keySet()) {
            ownersSay.put(key, render(stageValue(bare, key)));
        }
        assertEquals(ownersSay, new TreeMap<>(documented));
        assertTrue(documented.keySet().containsAll(List.of("f1Threshold", "minF1Threshold", "endpointInstanceType",
                "targetInvocationsPerInstance", "processingInstanceType")), documented::toString);
    }

    @Test
    void lambdaReadme_variableDefaults_areTheDeploySettingsDefaults() throws IOException {
        Map<String, String> documented = documentedDefaults(REPO_ROOT.resolve("lambda-deploy/README.md"),
                "| variable | meaning | default |", 0, 2);
        Map<String, String> written = DeploySettings.fromEnvironment(Map.of(
                "MODEL_PACKAGE_GROUP_NAME", "g", "ENDPOINT_NAME", "e",
                "EXECUTION_ROLE_ARN", "arn:aws:iam::111122223333:role/r")).toEnvironment();

        Map<String, String> readmeSays = new TreeMap<>();
        Map<String, String> ownerSays = new TreeMap<>();
        for (DeploySettings.Setting setting : DeploySettings.Setting.values()) {
            String name = setting.name();
            String value = documented.get(name);
            assertTrue(value != null, name + " is not documented in lambda-deploy/README.md");
            // Required and optional variables document a word (required, none, SageMaker's), not a value.
            boolean valueDocumented = !value.equals("required") && !value.startsWith("none") && !value.equals("SageMaker's");
            if (valueDocumented) {
                readmeSays.put(name, value);
                ownerSays.put(name, written.getOrDefault(name, "unset"));
            }
        }
        assertEquals(ownerSays, readmeSays);
    }

    @Test
    void pipelineSpecReadme_parameterDefaults_areTheDefinitionsDefaults() throws IOException {
        Map<String, String> documented = documentedDefaults(REPO_ROOT.resolve("pipeline-spec/README.md"),
                "| Name | Type | Default |", 0, 2);
        Map<String, String> readmeSays = new TreeMap<>();
        Map<String, String> ownerSays = new TreeMap<>();
        for (Parameter parameter : LightGbmPipeline.build(PipelineSettings.placeholders()).parameters()) {
            String value = documented.get(parameter.name());
            assertTrue(value != null, parameter.name() + " is not documented in pipeline-spec/README.md");
            // The two data locations are the stack's, documented as where it points them.
            if (!(parameter.defaultValue() instanceof String text && text.startsWith("s3://"))) {
                readmeSays.put(parameter.name(), value);
                ownerSays.put(parameter.name(), render(parameter.defaultValue()));
            }
        }
        assertEquals(ownerSays, readmeSays);
    }

    /**
     * {@code name -> default} from the Markdown table under {@code header}; a row may document
     * several names at once ({@code `a` / `b` | 1 / 2}). Backticks and a trailing remark in
     * parentheses or after a comma are dropped.
     */
    private static Map<String, String> documentedDefaults(Path readme, String header, int nameColumn,
            int defaultColumn) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        int start = lines.indexOf(header);
        assertTrue(start >= 0, readme + " has no table headed " + header);
        Map<String, String> defaults = new LinkedHashMap<>();
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = cells(lines.get(i));
            List<String> names = Arrays.stream(cells.get(nameColumn).split(" / |, "))
                    .map(n -> n.replace("`", "").trim()).toList();
            String cell = cells.get(defaultColumn).replace("`", "").replaceAll("\\s+\\(.*$", "").trim();
            List<String> values = names.size() == 1 ? List.of(cell) : List.of(cell.split(" / "));
            if (values.size() != names.size()) {
                values = java.util.Collections.nCopies(names.size(), cell);
            }
            for (int n = 0; n < names.size(); n++) {
                defaults.put(names.get(n), values.get(n).replaceAll("[,:].*$", "").trim());
            }
        }
        return defaults;
    }

    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        // Cells are split on '|' not escaped as '\|'.
        for (String cell : row.substring(1, row.length() - 1).split("(?<!\\\\)\\|")) {
            cells.add(cell.trim());
        }
        return cells;
    }

    /** The stage's value of a cdk.json key: the record component of that name ({@code dataset}: its file). */
    private static Object stageValue(StageConfig stage, String key) throws ReflectiveOperationException {
        String component = key.equals("dataset") ? "datasetFile" : key;
        for (RecordComponent c : StageConfig.class.getRecordComponents()) {
            if (c.getName().equals(component)) {
                return c.getAccessor().invoke(stage);
            }
        }
        // Monitoring keys are the components of the stage's MonitoringConfig, without their "monitor" prefix.
        String monitoring = key.startsWith("monitor") && key.length() > 7
                ? Character.toLowerCase(key.charAt(7)) + key.substring(8) : key;
        for (RecordComponent c : MonitoringConfig.class.getRecordComponents()) {
            if (c.getName().equals(monitoring)) {
                return c.getAccessor().invoke(stage.monitoring());
            }
        }
        throw new AssertionError("README documents " + key + ", which is no stage setting");
    }

    private static String render(Object value) {
        if (value == null) {
            return "unset";
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return String.valueOf(d.longValue());
        }
        return String.valueOf(value);
    }
}
