package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineGraphTest {

    private static final int EDGES = 10;
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
        assertTrue(edges().contains("CheckF1 -- if true --> ResolveBaseline"));
        assertTrue(edges().contains("CheckF1 -- else --> F1BelowThreshold"));
    }

    @Test
    void mermaid_whenDrawn_keepsOnlyEdgesNoOtherPathImplies() {
        List<String> edges = edges();

        assertTrue(edges.contains("Preprocess --> Tune"));
        assertTrue(edges.contains("Explain --> CheckBias"));
        assertTrue(edges.contains("ResolveBaseline --> Explain"));
        assertFalse(edges.contains("Preprocess --> Evaluate"), "implied by Preprocess -> Tune -> Evaluate");
        assertTrue(edges.contains("CheckBias -- else --> BiasAboveLimit"));
        assertFalse(edges.contains("Tune --> Explain"), "implied by Tune -> Evaluate -> CheckF1 -> Explain");
        assertEquals(EDGES, edges.size(), String.join("\n", edges));
    }

    private List<String> edges() {
        return Arrays.stream(mermaid.split("\n")).map(String::trim).filter(line -> line.contains("--")).toList();
    }
}
