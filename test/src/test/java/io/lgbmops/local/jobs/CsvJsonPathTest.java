package io.lgbmops.local.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSONPath subset batch transform documents for CSV records, on a record of six fields. */
class CsvJsonPathTest {

    private static final List<String> RECORD = List.of("a", "b", "c", "d", "e", "f");

    private static List<String> apply(String path) {
        return CsvJsonPath.parse(path).apply(RECORD);
    }

    @Test
    void apply_dollar_keepsTheWholeRecord() {
        assertEquals(RECORD, apply("$"));
    }

    @Test
    void apply_openSlice_dropsTheFirstField() {
        assertEquals(List.of("b", "c", "d", "e", "f"), apply("$[1:]"));
    }

    @Test
    void apply_indexAndSlice_keepsThemInTheOrderWritten() {
        assertEquals(List.of("a", "d", "e"), apply("$[0,3:5]"));
        assertEquals(List.of("f", "a"), apply("$[5,0]"));
    }

    @Test
    void apply_negativeIndexAndSliceBounds_countFromTheEnd() {
        assertEquals(List.of("f"), apply("$[-1]"));
        assertEquals(List.of("a", "b", "c", "d", "e"), apply("$[:-1]"));
        assertEquals(List.of("a", "e", "f"), apply("$[0,-2:]"));
    }

    @Test
    void apply_sliceBeyondTheRecord_isClamped() {
        assertEquals(List.of("e", "f"), apply("$[4:99]"));
        assertEquals(List.of(), apply("$[7:]"));
    }

    @Test
    void failsApply_whenIndexIsOutsideTheRecord_namingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> apply("$[6]"));
        assertEquals("JSONPath $[6]: index 6 is outside a record of 6 fields", e.getMessage());
    }

    @Test
    void failsParse_whenNotTheSubset() {
        for (String path : List.of("$.features", "$[a]", "$[0:4:2]", "[1:]", "$[]")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvJsonPath.parse(path), path);
            assertTrue(e.getMessage().contains("JSONPath"), e.getMessage());
        }
    }

    @Test
    void applyToLine_keepsQuotedFieldsWhole() {
        CsvJsonPath idAndScore = CsvJsonPath.parse("$[0,3:]");
        assertEquals("7,\"error: column 2 (x): 'a,b' is not a number\"",
                idAndScore.applyToLine("7,1,2,\"error: column 2 (x): 'a,b' is not a number\""));
        assertEquals("7,0.25", idAndScore.applyToLine("7,1,2,0.25"));
    }
}
