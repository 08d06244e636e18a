package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClarifyAnalysisConfigsTest {

    private final Map<String, String> files = new LightGbmPipeline(PipelineSettings.placeholders())
            .clarifyAnalysisConfigs();

    @Test
    void clarifyAnalysisConfigs_whenBuilt_areTheFilesTheDefinitionReferences() {
        String definition = Definitions.placeholder().toJson();

        assertEquals(4, files.size());
        for (String key : files.keySet()) {
            assertTrue(definition.contains("s3://lgbmops-write-111122223333/pipeline-settings/" + key),
                    "the definition must reference " + key);
        }
    }

    @Test
    void modelBias_whenBuilt_measuresDpplOfFemaleAgainstPositiveLabel() {
        JsonNode config = PipelineJson.read(files.get("clarify/model-bias/analysis_config.json"));

        assertEquals("income", config.path("label").asText());
        assertEquals(1, config.path("label_values_or_threshold").get(0).asInt());
        assertEquals("sex", config.path("facet").get(0).path("name_or_index").asText());
        assertEquals("Female", config.path("facet").get(0).path("value_or_threshold").get(0).asText());
        assertEquals("DPPL", config.path("methods").path("post_training_bias").path("methods").get(0).asText());
        assertEquals(CensusData.COLUMNS, texts(config.path("headers")));
        assertEquals("text/csv", config.path("predictor").path("content_type").asText());
        assertTrue(config.path("predictor").path("model_name").isMissingNode(),
                "the step's ModelName supplies the model; the file must not name one");
    }

    @Test
    void modelExplainability_whenBuilt_explainsWithOneBaselineRecordPerFeature() {
        JsonNode shap = PipelineJson.read(files.get("clarify/model-explainability/analysis_config.json"))
                .path("methods").path("shap");

        assertEquals(1, shap.path("baseline").size());
        assertEquals(CensusData.FEATURES.size(), shap.path("baseline").get(0).size());
    }

    @Test
    void shapBaseline_whenRecomputedFromCensusData_isMedianOrMostFrequentValue() throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Definitions.datasetsDirectory().resolve("census/adult.data"))) {
            if (!line.isBlank()) {
                rows.add(line.split(",\\s*"));
            }
        }

        List<Object> expected = new ArrayList<>();
        for (int column = 0; column < CensusData.FEATURES.size(); column++) {
            expected.add(typical(rows, column));
        }

        assertEquals(32561, rows.size());
        assertEquals(expected, CensusData.SHAP_BASELINE);
    }

    @Test
    void monitoringConfigs_whenBuilt_matchTheCheckedFacetAndFeatures() {
        JsonNode bias = PipelineJson.read(files.get("clarify/model-bias/monitoring_analysis_config.json"));
        JsonNode explainability = PipelineJson.read(
                files.get("clarify/model-explainability/monitoring_analysis_config.json"));

        assertEquals("Female", bias.path("facet").get(0).path("value_or_threshold").get(0).asText());
        assertEquals(CensusData.FEATURES, texts(explainability.path("headers")));
        assertEquals(1, explainability.path("methods").path("shap").path("baseline").size());
    }

    private static Object typical(List<String[]> rows, int column) {
        List<Integer> numbers = new ArrayList<>();
        Map<String, Integer> counts = new HashMap<>();
        for (String[] row : rows) {
            String value = row[column].trim();
            if (value.matches("-?\\d+")) {
                numbers.add(Integer.parseInt(value));
            } else if (!value.equals("?")) {
                counts.merge(value, 1, Integer::sum);
            }
        }
        if (!numbers.isEmpty()) {
            numbers.sort(null);
            return numbers.get(numbers.size() / 2); // odd count: the median is one record's value
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(element -> texts.add(element.asText()));
        return texts;
    }
}
