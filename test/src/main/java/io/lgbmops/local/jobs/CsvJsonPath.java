package io.lgbmops.local.jobs;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSONPath subset batch transform applies to a CSV record, whose fields are an array: {@code $}
 * (the whole record) and {@code $[...]} with a comma-separated union of indices ({@code 0},
 * {@code -1}: from the end) and slices ({@code 1:}, {@code 3:5}, {@code :-1}; end exclusive,
 * bounds clamped to the record as in JSONPath), kept in the order written, e.g. {@code $[1:]},
 * {@code $[0,3:5]}, {@code $[-1]}, {@code $[0,20:]}. Anything else is refused when parsed.
 */
public final class CsvJsonPath {

    private sealed interface Part permits Index, Slice { }

    private record Index(int index) implements Part { }

    private record Slice(Integer start, Integer end) implements Part { }

    private final String expression;
    private final List<Part> parts; // empty: "$", the whole record

    private CsvJsonPath(String expression, List<Part> parts) {
        this.expression = expression;
        this.parts = parts;
    }

    public static CsvJsonPath parse(String expression) {
        String text = expression == null ? "$" : expression.strip();
        if (text.equals("$") || text.isEmpty()) {
            return new CsvJsonPath("$", List.of());
        }
        if (!text.startsWith("$[") || !text.endsWith("]") || text.length() < 4) {
            throw new IllegalArgumentException("JSONPath " + expression + " is not supported for CSV records:"
                    + " use $ or $[i,j,a:b,...]");
        }
        List<Part> parts = new ArrayList<>();
        for (String item : text.substring(2, text.length() - 1).split(",", -1)) {
            String part = item.strip();
            try {
                int colon = part.indexOf(':');
                if (colon < 0) {
                    parts.add(new Index(Integer.parseInt(part)));
                } else {
                    if (part.indexOf(':', colon + 1) >= 0) {
                        throw new NumberFormatException("slice steps are not supported");
                    }
                    String start = part.substring(0, colon).strip();
                    String end = part.substring(colon + 1).strip();
                    parts.add(new Slice(start.isEmpty() ? null : Integer.parseInt(start),
                            end.isEmpty() ? null : Integer.parseInt(end)));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("JSONPath " + expression + ": \"" + part
                        + "\" is neither an index nor a slice");
            }
        }
        return new CsvJsonPath(text, List.copyOf(parts));
    }

    /** The selected fields of {@code fields}; an index outside the record fails, naming both. */
    List<String> apply(List<String> fields) {
        if (parts.isEmpty()) {
            return fields;
        }
        int size = fields.size();
        List<String> out = new ArrayList<>();
        for (Part part : parts) {
            if (part instanceof Index index) {
                int i = index.index() < 0 ? size + index.index() : index.index();
                if (i < 0 || i >= size) {
                    throw new IllegalArgumentException("JSONPath " + expression + ": index " + index.index()
                            + " is outside a record of " + size + " fields");
                }
                out.add(fields.get(i));
            } else {
                Slice slice = (Slice) part;
                int start = bound(slice.start(), 0, size);
                int end = bound(slice.end(), size, size);
                for (int i = start; i < end; i++) {
                    out.add(fields.get(i));
                }
            }
        }
        return out;
    }

    /** Applies the filter to one CSV line and writes the kept fields back as CSV (quoting kept as it was). */
    String applyToLine(String line) {
        if (parts.isEmpty()) {
            return line;
        }
        return String.join(",", apply(fields(line)));
    }

    private static int bound(Integer value, int absent, int size) {
        if (value == null) {
            return absent;
        }
        int v = value < 0 ? size + value : value;
        return Math.max(0, Math.min(size, v));
    }

    /** The raw fields of a CSV line, quotes included, split at commas outside quotes. */
    static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                fields.add(line.substring(start, i));
                start = i + 1;
            }
        }
        fields.add(line.substring(start));
        return fields;
    }

    @Override
    public String toString() {
        return expression;
    }
}
