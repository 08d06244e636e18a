package io.lgbmops.pipeline.dataset;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * One tabular dataset, described once ({@code datasets/contract.schema.json}): its columns, its
 * label and the facets bias is measured across. {@link #parse} enforces the schema's rules and the
 * ones a schema cannot state (the label is a feature-typed column, a facet names a feature, ...);
 * a wrong contract fails with one line naming the file, the key and the value.
 *
 * @param name        short name: lowercase letters, digits, single hyphens, at most 40 characters
 * @param description free text, or null
 * @param format      how the files are written
 * @param columns     every column of the file, in file order
 * @param label       the column predicted, binary or multiclass
 * @param fairness    the facets of the bias check (may be empty)
 */
public record DatasetContract(String name, String description, Format format, List<Column> columns, Label label,
        List<Facet> fairness) {

    /** The schema's name pattern; the name becomes part of S3 keys. */
    public static final Pattern NAME = Pattern.compile("^[a-z0-9](-?[a-z0-9]){0,39}$");
    public static final Pattern COLUMN_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_.-]{0,127}$");

    public DatasetContract {
        columns = List.copyOf(columns);
        fairness = List.copyOf(fairness);
    }

    /** What a column is to the model. */
    public enum ColumnType {
        /** A feature read as a number. */
        NUMERIC,
        /** A feature read as a category. */
        CATEGORICAL,
        /** Carried through to outputs, never a feature. */
        ID,
        /** Dropped. */
        IGNORE;

        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean isFeature() {
            return this == NUMERIC || this == CATEGORICAL;
        }
    }

    /** @param delimiter one character; @param header whether the first line names the columns */
    public record Format(char delimiter, boolean header, List<String> missingValues) {
        public static final Format DEFAULT = new Format(',', true, List.of("", "NA"));

        public Format {
            missingValues = List.copyOf(missingValues);
        }
    }

    public record Column(String name, ColumnType type, String description) {}

    /** Binary when {@code positive} is set, multiclass when {@code classes} is set, else inferred from the data. */
    public record Label(String column, String positive, List<String> classes) {
        public Label {
            classes = classes == null ? null : List.copyOf(classes);
        }
    }

    /** Exactly one of {@code values} (categorical column) and {@code threshold} (numeric column) is set. */
    public record Facet(String column, List<String> values, Double threshold) {
        public Facet {
            values = values == null ? null : List.copyOf(values);
        }
    }

    /** The feature columns (numeric and categorical, label excluded), in file order. */
    public List<Column> features() {
        return columns.stream().filter(c -> c.type().isFeature() && !c.name().equals(label.column())).toList();
    }

    public Optional<Column> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    /** Reads and checks a contract file; {@code shownAs} names it in messages (e.g. the repository-relative path). */
    public static DatasetContract read(Path file, String shownAs) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetContractException(shownAs + ": cannot read the contract (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return parse(text, shownAs);
    }

    /** Parses and checks contract JSON; {@code source} names it in messages. */
    public static DatasetContract parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DatasetContractException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        return new Reader(source).contract(root);
    }

    // Duplicate keys would let the last one silently win.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Walks the JSON tree; the first problem ends the walk with its one-line message. */
    private record Reader(String source) {

        DatasetContract contract(JsonNode root) {
            if (root == null || !root.isObject()) {
                throw fail("the contract must be a JSON object, got " + describe(root));
            }
            onlyKeys(root, "", "$schema", "name", "description", "format", "columns", "label", "fairness");
            optionalString(root, "", "$schema");
            String name = requiredString(root, "", "name");
            if (!NAME.matcher(name).matches()) {
                throw fail("name " + quote(name)
                        + " must be lowercase letters, digits and single hyphens, at most 40 characters");
            }
            String description = optionalString(root, "", "description");
            Format format = format(root.get("format"));
            List<Column> columns = columns(required(root, "", "columns"));
            Label label = label(required(root, "", "label"), columns);
            List<Facet> fairness = fairness(root.get("fairness"), columns, label);
            return new DatasetContract(name, description, format, columns, label, fairness);
        }

        Format format(JsonNode node) {
            if (node == null) {
                return Format.DEFAULT;
            }
            requireObject(node, "format");
            onlyKeys(node, "format.", "delimiter", "header", "missingValues");
            char delimiter = Format.DEFAULT.delimiter();
            String text = optionalString(node, "format.", "delimiter");
            if (text != null) {
                if (text.length() != 1) {
                    throw fail("format.delimiter " + quote(text) + " must be exactly one character");
                }
                delimiter = text.charAt(0);
                if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
                    throw fail("format.delimiter " + quote(text) + " cannot separate fields: it is a quote or line break");
                }
            }
            boolean header = Format.DEFAULT.header();
            JsonNode headerNode = node.get("header");
            if (headerNode != null) {
                if (!headerNode.isBoolean()) {
                    throw fail("format.header must be true or false, got " + describe(headerNode));
                }
                header = headerNode.booleanValue();
            }
            List<String> missing = Format.DEFAULT.missingValues();
            if (node.has("missingValues")) {
                missing = uniqueStrings(node.get("missingValues"), "format.missingValues", 0);
            }
            return new Format(delimiter, header, missing);
        }

        List<Column> columns(JsonNode node) {
            if (node.isArray() && node.size() < 2) {
                throw fail("columns must list at least 2 columns (a label and a feature), got " + node.size());
            }
            Map<String, String> seen = new HashMap<>();
            return objects(node, "columns", "columns", (at, column) -> {
                String name = requiredString(column, at + ".", "name");
                if (!COLUMN_NAME.matcher(name).matches()) {
                    throw fail(at + ".name " + quote(name) + " must start with a letter or underscore and hold only"
                            + " letters, digits, '_', '.' and '-' (at most 128 characters)");
                }
                String first = seen.putIfAbsent(name, at);
                if (first != null) {
                    throw fail(at + ".name " + quote(name) + " duplicates " + first + ".name");
                }
                String type = requiredString(column, at + ".", "type");
                ColumnType columnType = null;
                for (ColumnType candidate : ColumnType.values()) {
                    if (candidate.jsonName().equals(type)) {
                        columnType = candidate;
                    }
                }
                if (columnType == null) {
                    throw fail(at + ".type " + quote(type) + " must be one of numeric, categorical, id, ignore");
                }
                return new Column(name, columnType, optionalString(column, at + ".", "description"));
            }, "name", "type", "description");
        }

        Label label(JsonNode node, List<Column> columns) {
            requireObject(node, "label");
            onlyKeys(node, "label.", "column", "positive", "classes");
            String column = requiredString(node, "label.", "column");
            Column labelColumn = existing(columns, "label", column);
            if (!labelColumn.type().isFeature()) {
                throw fail("label.column " + quote(column) + " has type " + labelColumn.type().jsonName()
                        + "; a label must be numeric or categorical");
            }
            if (node.has("positive") && node.has("classes")) {
                throw fail("label has both positive and classes; give positive (binary) or classes (multiclass), not both");
            }
            String positive = optionalString(node, "label.", "positive");
            List<String> classes = node.has("classes") ? uniqueStrings(node.get("classes"), "label.classes", 3) : null;
            if (features(columns, column).isEmpty()) {
                throw fail("columns has no feature besides the label " + quote(column)
                        + " (a feature is a numeric or categorical column)");
            }
            return new Label(column, positive, classes);
        }

        List<Facet> fairness(JsonNode node, List<Column> columns, Label label) {
            if (node == null) {
                return List.of();
            }
            return objects(node, "fairness", "facets", (at, facet) -> {
                String column = requiredString(facet, at + ".", "column");
                Column facetColumn = existing(columns, at, column);
                if (column.equals(label.column())) {
                    throw fail(at + ".column " + quote(column) + " is the label; a facet must be a feature");
                }
                if (!facetColumn.type().isFeature()) {
                    throw fail(at + ".column " + quote(column) + " has type " + facetColumn.type().jsonName()
                            + "; a facet must be a feature (numeric or categorical)");
                }
                boolean hasValues = facet.has("values");
                boolean hasThreshold = facet.has("threshold");
                if (hasValues == hasThreshold) {
                    throw fail(at + (hasValues ? " has both values and threshold; give one"
                            : " needs values (categorical column) or threshold (numeric column)"));
                }
                List<String> values = null;
                Double threshold = null;
                if (hasValues) {
                    values = uniqueStrings(facet.get("values"), at + ".values", 1);
                    if (facetColumn.type() != ColumnType.CATEGORICAL) {
                        throw fail(at + ".values " + values + " needs a categorical column, but " + quote(column)
                                + " is " + facetColumn.type().jsonName() + "; use threshold");
                    }
                } else {
                    JsonNode value = facet.get("threshold");
                    if (!value.isNumber()) {
                        throw fail(at + ".threshold must be a number, got " + describe(value));
                    }
                    threshold = value.doubleValue();
                    if (facetColumn.type() != ColumnType.NUMERIC) {
                        throw fail(at + ".threshold " + value.asText() + " needs a numeric column, but " + quote(column)
                                + " is " + facetColumn.type().jsonName() + "; use values");
                    }
                }
                return new Facet(column, values, threshold);
            }, "column", "values", "threshold");
        }

        /**
         * The elements of the array {@code at} ({@code columns}, {@code fairness}), each an object
         * with no key but {@code keys}, as {@code read} makes them from the element's place
         * ({@code columns[2]}) and the element.
         */
        private <T> List<T> objects(JsonNode node, String at, String what, BiFunction<String, JsonNode, T> read,
                String... keys) {
            if (!node.isArray()) {
                throw fail(at + " must be an array of " + what + ", got " + describe(node));
            }
            List<T> items = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                String place = at + "[" + i + "]";
                JsonNode element = node.get(i);
                requireObject(element, place);
                onlyKeys(element, place + ".", keys);
                items.add(read.apply(place, element));
            }
            return items;
        }

        /** The column {@code name} that {@code at}{@code .column} names. */
        private Column existing(List<Column> columns, String at, String name) {
            return columns.stream().filter(c -> c.name().equals(name)).findFirst()
                    .orElseThrow(() -> fail(at + ".column " + quote(name) + " is not a column"));
        }

        private static List<Column> features(List<Column> columns, String label) {
            return columns.stream().filter(c -> c.type().isFeature() && !c.name().equals(label)).toList();
        }

        private List<String> uniqueStrings(JsonNode node, String at, int minItems) {
            if (!node.isArray()) {
                throw fail(at + " must be an array of strings, got " + describe(node));
            }
            if (node.size() < minItems) {
                throw fail(at + " must list at least " + minItems + " value" + (minItems == 1 ? "" : "s")
                        + ", got " + node.size());
            }
            List<String> values = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode value = node.get(i);
                if (!value.isTextual()) {
                    throw fail(at + "[" + i + "] must be a string, got " + describe(value));
                }
                if (!seen.add(value.textValue())) {
                    throw fail(at + "[" + i + "] " + quote(value.textValue()) + " is listed twice");
                }
                values.add(value.textValue());
            }
            return values;
        }

        private void onlyKeys(JsonNode node, String prefix, String... known) {
            List<String> allowed = List.of(known);
            node.fieldNames().forEachRemaining(key -> {
                if (!allowed.contains(key)) {
                    throw fail(prefix + key + " is not a known key (known: " + String.join(", ", allowed) + ")");
                }
            });
        }

        private JsonNode required(JsonNode node, String prefix, String key) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                throw fail(prefix + key + " is required");
            }
            return value;
        }

        private String requiredString(JsonNode node, String prefix, String key) {
            JsonNode value = required(node, prefix, key);
            if (!value.isTextual()) {
                throw fail(prefix + key + " must be a string, got " + describe(value));
            }
            return value.textValue();
        }

        private String optionalString(JsonNode node, String prefix, String key) {
            JsonNode value = node.get(key);
            if (value == null) {
                return null;
            }
            if (!value.isTextual()) {
                throw fail(prefix + key + " must be a string, got " + describe(value));
            }
            return value.textValue();
        }

        private void requireObject(JsonNode node, String at) {
            if (!node.isObject()) {
                throw fail(at + " must be an object, got " + describe(node));
            }
        }

        private DatasetContractException fail(String problem) {
            return new DatasetContractException(source + ": " + problem);
        }

        private static String quote(String value) {
            return "'" + value + "'";
        }

        /** A JSON value as the user wrote it, shortened: messages stay on one line. */
        private static String describe(JsonNode node) {
            if (node == null || node.isMissingNode()) {
                return "nothing";
            }
            String text = node.toString();
            return text.length() > 60 ? text.substring(0, 57) + "..." : text;
        }
    }
}
