package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.TreeSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvFieldFilterTest {

    private static String filter(List<Integer> fields, Integer openFrom) {
        return CsvFieldFilter.of(new TreeSet<>(fields), openFrom);
    }

    @Test
    void of_whenFieldsRunToTheOpenEnd_isOneSlice() {
        assertEquals("$[1:]", filter(List.of(1, 2, 3), 4));
    }

    @Test
    void of_whenIndicesAndRuns_writesIndicesAndSlices() {
        assertEquals("$[0,3:5,7]", filter(List.of(0, 3, 4, 7), null));
        assertEquals("$[0,20:]", filter(List.of(0), 20));
        assertEquals("$[20:]", filter(List.of(), 20));
    }

    @Test
    void failsOf_whenNothingIsKept() {
        assertThrows(IllegalArgumentException.class, () -> filter(List.of(), null));
    }
}
