package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** How a snapshot is normalised and how a mismatch is reported. */
class SnapshotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void firstDifference_whenAValueChanged_namesItsPathAndBothValues() throws Exception {
        String found = Snapshots.firstDifference(
                JSON.readTree("{\"Resources\":{\"Key\":{\"Properties\":{\"EnableKeyRotation\":true,\"Tags\":[1,2]}}}}"),
                JSON.readTree("{\"Resources\":{\"Key\":{\"Properties\":{\"EnableKeyRotation\":false,\"Tags\":[1,3]}}}}"));

        assertEquals("$.Resources.Key.Properties.EnableKeyRotation (reviewed: true, generated: false)", found);
    }

    @Test
    void firstDifference_whenAnArrayGrew_namesTheNewIndexAsAbsentBefore() throws Exception {
        assertEquals("$.Outputs[1] (reviewed: <absent>, generated: \"b\")",
                Snapshots.firstDifference(JSON.readTree("{\"Outputs\":[\"a\"]}"), JSON.readTree("{\"Outputs\":[\"a\",\"b\"]}")));
    }

    @Test
    void normalised_replacesAssetHashesAndVersionHashesAndSortsKeys() {
        String hash = "71a454b2f878291f31dadc7ecb9c74c8c99612450cc104b3f35fac2fc70c5967";
        String text = Snapshots.normalised(Map.of(
                "b", hash + ".zip",
                "a", List.of("repo:" + hash.substring(0, 32), "FnCurrentVersion390B2867" + hash.substring(0, 32))));

        assertEquals("{\n  \"a\" : [ \"repo:[asset]\", \"FnCurrentVersion390B2867[asset]\" ],\n  \"b\" : \"[asset].zip\"\n}\n",
                text);
    }

    @Test
    void failsAssertMatches_whenTheSnapshotDiffers_namingTheStackAndPath() {
        // An update run would write a snapshot for this made-up stack.
        assumeFalse(Snapshots.UPDATE);
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> Snapshots.assertMatches("NoSuchStack", Snapshots.normalised(Map.of("Resources", Map.of()))));

        assertTrue(failure.getMessage().startsWith("NoSuchStack differs from "), failure.getMessage());
        assertTrue(failure.getMessage().contains(" at $.Resources (reviewed: <absent>, generated: {})"), failure.getMessage());
        assertTrue(failure.getMessage().contains(Snapshots.UPDATE_COMMAND), failure.getMessage());
    }
}
