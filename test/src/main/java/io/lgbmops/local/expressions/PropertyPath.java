package io.lgbmops.local.expressions;

import java.util.ArrayList;
import java.util.List;

/**
 * A path into a JSON value in the syntax SageMaker uses for step properties and {@code Std:JsonGet}
 * paths: dotted fields, {@code [0]} list indexes and {@code ['name']} keys, e.g.
 * {@code ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri}.
 */
record PropertyPath(List<Segment> segments) {

    sealed interface Segment permits Field, Index, Key {}

    /** A member of an object. */
    record Field(String name) implements Segment {
        @Override
        public String toString() {
            return "." + name;
        }
    }

    /** An element of a list by position. */
    record Index(int position) implements Segment {
        @Override
        public String toString() {
            return "[" + position + "]";
        }
    }

    /** A member of a map, or the element of a list whose {@code ...Name} field equals the key. */
    record Key(String key) implements Segment {
        @Override
        public String toString() {
            return "['" + key + "']";
        }
    }

    PropertyPath {
        segments = List.copyOf(segments);
    }

    static PropertyPath parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("property path must not be empty");
        }
        String path = text.startsWith("$.") ? text.substring(2) : text;
        List<Segment> segments = new ArrayList<>();
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                if (segments.isEmpty()) {
                    throw invalid(text, "starts with '.'");
                }
                i++;
                i = readField(path, i, segments, text);
            } else if (c == '[') {
                int close = path.indexOf(']', i);
                if (close < 0) {
                    throw invalid(text, "'[' without ']'");
                }
                String inner = path.substring(i + 1, close).trim();
                segments.add(bracket(inner, text));
                i = close + 1;
            } else if (segments.isEmpty()) {
                i = readField(path, i, segments, text);
            } else {
                throw invalid(text, "unexpected '" + c + "' at " + i);
            }
        }
        return new PropertyPath(segments);
    }

    private static int readField(String path, int start, List<Segment> segments, String text) {
        int end = start;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
            end++;
        }
        if (end == start) {
            throw invalid(text, "empty field name at " + start);
        }
        segments.add(new Field(path.substring(start, end)));
        return end;
    }

    private static Segment bracket(String inner, String text) {
        if (inner.length() >= 2 && (inner.startsWith("'") && inner.endsWith("'")
                || inner.startsWith("\"") && inner.endsWith("\""))) {
            return new Key(inner.substring(1, inner.length() - 1));
        }
        try {
            return new Index(Integer.parseInt(inner));
        } catch (NumberFormatException e) {
            throw invalid(text, "bracket holds neither an index nor a quoted key: [" + inner + "]");
        }
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid property path '" + text + "': " + why);
    }

    boolean isEmpty() {
        return segments.isEmpty();
    }

    Segment first() {
        return segments.get(0);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Segment segment : segments) {
            out.append(segment);
        }
        return out.length() > 0 && out.charAt(0) == '.' ? out.substring(1) : out.toString();
    }
}
