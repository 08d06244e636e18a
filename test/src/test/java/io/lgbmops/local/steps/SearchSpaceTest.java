package io.lgbmops.local.steps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sagemaker.model.CategoricalParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ContinuousParameterRange;
import software.amazon.awssdk.services.sagemaker.model.IntegerParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ParameterRanges;

class SearchSpaceTest {

    private static final ParameterRanges RANGES = ParameterRanges.builder()
            .integerParameterRanges(IntegerParameterRange.builder().name("num_leaves").minValue("16").maxValue("256")
                    .scalingType("Linear").build())
            .continuousParameterRanges(
                    ContinuousParameterRange.builder().name("learning_rate").minValue("0.01").maxValue("0.3")
                            .scalingType("Logarithmic").build(),
                    ContinuousParameterRange.builder().name("bagging_fraction").minValue("0.5").maxValue("0.99")
                            .scalingType("ReverseLogarithmic").build())
            .categoricalParameterRanges(CategoricalParameterRange.builder().name("boosting").values("gbdt", "dart").build())
            .build();

    @Test
    void sample_whenSameSeed_returnsSameTrials() {
        SearchSpace space = new SearchSpace(RANGES);

        assertEquals(space.sample("Bayesian", 5, 42), space.sample("Random", 5, 42));
        assertNotEquals(space.sample("Random", 5, 42), space.sample("Random", 5, 43));
    }

    @Test
    void sample_whenManyTrials_staysInsideEveryRange() {
        List<Map<String, String>> trials = new SearchSpace(RANGES).sample("Random", 500, 7);

        for (Map<String, String> trial : trials) {
            int leaves = Integer.parseInt(trial.get("num_leaves"));
            double rate = Double.parseDouble(trial.get("learning_rate"));
            double bagging = Double.parseDouble(trial.get("bagging_fraction"));
            assertTrue(leaves >= 16 && leaves <= 256, trial.toString());
            assertTrue(rate >= 0.01 && rate <= 0.3, trial.toString());
            assertTrue(bagging >= 0.5 && bagging <= 0.99, trial.toString());
            assertTrue(List.of("gbdt", "dart").contains(trial.get("boosting")), trial.toString());
            assertTrue(!trial.get("learning_rate").contains("E"), "plain decimal: " + trial);
        }
    }

    @Test
    void sample_whenLogarithmic_putsAboutHalfTheTrialsBelowTheGeometricMean() {
        List<Map<String, String>> trials = new SearchSpace(RANGES).sample("Random", 2000, 1);
        double geometricMean = Math.sqrt(0.01 * 0.3);

        long below = trials.stream().filter(t -> Double.parseDouble(t.get("learning_rate")) < geometricMean).count();

        assertTrue(below > 850 && below < 1150, "below the geometric mean: " + below + " of 2000");
    }

    @Test
    void sample_whenGrid_enumeratesCategoricalValuesUpToTheLimit() {
        ParameterRanges grid = ParameterRanges.builder().categoricalParameterRanges(
                CategoricalParameterRange.builder().name("a").values("1", "2").build(),
                CategoricalParameterRange.builder().name("b").values("x", "y", "z").build()).build();

        assertEquals(6, new SearchSpace(grid).sample("Grid", 20, 0).size());
        assertEquals(Map.of("a", "1", "b", "x"), new SearchSpace(grid).sample("Grid", 4, 0).get(0));
    }

    @Test
    void new_failsWhenLogarithmicRangeStartsAtZero() {
        ParameterRanges bad = ParameterRanges.builder().continuousParameterRanges(ContinuousParameterRange.builder()
                .name("lambda_l1").minValue("0").maxValue("1").scalingType("Logarithmic").build()).build();

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new SearchSpace(bad));

        assertTrue(error.getMessage().contains("lambda_l1"), error.getMessage());
    }

    @Test
    void new_failsWhenMinExceedsMax() {
        ParameterRanges bad = ParameterRanges.builder().integerParameterRanges(IntegerParameterRange.builder()
                .name("num_leaves").minValue("300").maxValue("16").build()).build();

        assertThrows(IllegalArgumentException.class, () -> new SearchSpace(bad));
    }
}
