package io.lgbmops.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The JSONPath batch transform applies to a CSV record (its fields as an array): a union of
 * indices and slices, e.g. {@code $[1:]}, {@code $[0,3:5]}, {@code $[0,19:]}. Consecutive
 * indices are written as one slice, so the filter stays within the API's 63 characters.
 */
public final class CsvFieldFilter {

    private CsvFieldFilter() {}

    /** {@code fields} (0-based), and every field from {@code openFrom} on when it is not null. */
    public static String of(SortedSet<Integer> fields, Integer openFrom) {
        if (fields.isEmpty() && openFrom == null) {
            throw new IllegalArgumentException("a filter must keep at least one field");
        }
        TreeSet<Integer> kept = new TreeSet<>(fields);
        if (openFrom != null) {
            kept.removeIf(i -> i >= openFrom);
        }
        List<String> parts = new ArrayList<>();
        Integer start = null;
        Integer previous = null;
        for (int field : kept) {
            if (field < 0) {
                throw new IllegalArgumentException("field indices are 0-based, got " + field);
            }
            if (previous != null && field == previous + 1) {
                previous = field;
                continue;
            }
            if (start != null) {
                parts.add(range(start, previous));
            }
            start = field;
            previous = field;
        }
        if (start != null) {
            if (openFrom != null && previous + 1 == openFrom) {
                parts.add(start + ":");
                return "$[" + String.join(",", parts) + "]";
            }
            parts.add(range(start, previous));
        }
        if (openFrom != null) {
            parts.add(openFrom + ":");
        }
        return "$[" + String.join(",", parts) + "]";
    }

    private static String range(int first, int last) {
        return first == last ? Integer.toString(first) : first + ":" + (last + 1);
    }
}
