package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineGraphTest {

    private final String mermaid = PipelineGraph.mermaid(Definitions.placeholder());

    @Test
    void mermaid_whenDrawn_isATopDownFlowchartWithEveryStep() {
        assertTrue(mermaid.startsWith("flowchart TD\n"));
        for (String step : LightGbmPipeline.PIPELINE_STEP_NAMES) {
            assertTrue(mermaid.contains("    " + step + "[") || mermaid.contains("    " + step + "{")
                    || mermaid.contains("        " + step + "["), step + " must be drawn");
        }
    }

    @Test
    void mermaid_whenDrawn_labelsBothBranchesOfTheGate() {
        assertTrue(edges().contains("CheckF1 -- if true --> CreateModel"));
        assertTrue(edges().contains("CheckF1 -- else --> F1BelowThreshold"));
    }

    @Test
    void mermaid_whenDrawn_keepsOnlyEdgesNoOtherPathImplies() {
        List<String> edges = edges();

        assertTrue(edges.contains("Preprocess --> Tune"));
        assertTrue(edges.contains("ClarifyBias --> Register"));
        assertFalse(edges.contains("Preprocess --> Evaluate"), "implied by Preprocess -> Tune -> Evaluate");
        assertTrue(edges.contains("CheckModelBias -- else --> RegisterWithoutBias"));
        assertEquals(15, edges.size(), String.join("\n", edges));
    }

    private List<String> edges() {
        return Arrays.stream(mermaid.split("\n")).map(String::trim).filter(line -> line.contains("--")).toList();
    }
}
