package io.lgbmops.pipeline.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.pipeline.dataset.DatasetContract.ColumnType;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each rule of the contract, with the exact one-line message a user sees. */
class DatasetContractTest {

    static final Path DATASETS = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent()
            .resolve("datasets");
    private static final String FILE = "datasets/census.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode census() {
        try {
            return (ObjectNode) JSON.readTree(DATASETS.resolve("census.json").toFile());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String failure(Consumer<ObjectNode> change) {
        ObjectNode contract = census();
        change.accept(contract);
        return assertThrows(DatasetContractException.class,
                () -> DatasetContract.parse(contract.toString(), FILE)).getMessage();
    }

    private static ObjectNode column(ObjectNode contract, int index) {
        return (ObjectNode) contract.withArray("columns").get(index);
    }

    private static ObjectNode facet(ObjectNode contract) {
        return (ObjectNode) contract.withArray("fairness").get(0);
    }

    @Test
    void read_whenContractIsCensus_givesItsColumnsLabelAndFacet() {
        DatasetContract census = DatasetContract.read(DATASETS.resolve("census.json"), FILE);

        assertEquals("census", census.name());
        assertEquals(',', census.format().delimiter());
        assertFalse(census.format().header());
        assertEquals(List.of("", "?"), census.format().missingValues());
        assertEquals(15, census.columns().size());
        assertEquals(14, census.features().size());
        assertEquals(new DatasetContract.Label("income", ">50K", null), census.label());
        assertEquals(List.of(new DatasetContract.Facet("sex", List.of("Female"), null)), census.fairness());
    }

    @Test
    void read_whenContractIsPenguins_isMulticlassWithoutTheIgnoredColumn() {
        DatasetContract penguins = DatasetContract.read(DATASETS.resolve("penguins.json"), "datasets/penguins.json");

        assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), penguins.label().classes());
        assertNull(penguins.label().positive());
        assertEquals(ColumnType.IGNORE, penguins.column("year").orElseThrow().type());
        assertFalse(penguins.features().stream().anyMatch(c -> c.name().equals("year") || c.name().equals("species")));
    }

    @Test
    void parse_whenFormatIsLeftOut_usesTheSchemaDefaults() {
        DatasetContract contract = DatasetContract.parse(failureFree(c -> c.remove("format")).toString(), FILE);

        assertEquals(DatasetContract.Format.DEFAULT, contract.format());
    }

    private static ObjectNode failureFree(Consumer<ObjectNode> change) {
        ObjectNode contract = census();
        change.accept(contract);
        return contract;
    }

    @Test
    void failsWhenTopLevelKeyIsUnknown() {
        assertEquals("datasets/census.json: lable is not a known key (known: $schema, name, description, format, "
                + "columns, label, fairness)", failure(c -> c.put("lable", "income")));
    }

    @Test
    void failsWhenNestedKeyIsUnknown() {
        assertEquals("datasets/census.json: label.positiv is not a known key (known: column, positive, classes)",
                failure(c -> ((ObjectNode) c.get("label")).put("positiv", ">50K")));
        assertEquals("datasets/census.json: columns[2].typ is not a known key (known: name, type, description)",
                failure(c -> column(c, 2).put("typ", "numeric")));
    }

    @Test
    void failsWhenRequiredKeyIsMissing() {
        assertEquals("datasets/census.json: label is required", failure(c -> c.remove("label")));
        assertEquals("datasets/census.json: columns[0].type is required", failure(c -> column(c, 0).remove("type")));
    }

    @Test
    void failsWhenLabelIsNotAColumn() {
        assertEquals("datasets/census.json: label.column 'incme' is not a column",
                failure(c -> ((ObjectNode) c.get("label")).put("column", "incme")));
    }

    @Test
    void failsWhenLabelColumnIsIdOrIgnore() {
        assertEquals("datasets/census.json: label.column 'income' has type id; a label must be numeric or categorical",
                failure(c -> column(c, 14).put("type", "id")));
        assertEquals("datasets/census.json: label.column 'income' has type ignore; a label must be numeric or "
                + "categorical", failure(c -> column(c, 14).put("type", "ignore")));
    }

    @Test
    void failsWhenColumnNameIsDuplicated() {
        assertEquals("datasets/census.json: columns[3].name 'age' duplicates columns[0].name",
                failure(c -> column(c, 3).put("name", "age")));
    }

    @Test
    void failsWhenColumnNameOrTypeIsBad() {
        assertEquals("datasets/census.json: columns[1].name 'work class' must start with a letter or underscore and "
                + "hold only letters, digits, '_', '.' and '-' (at most 128 characters)",
                failure(c -> column(c, 1).put("name", "work class")));
        assertEquals("datasets/census.json: columns[1].type 'text' must be one of numeric, categorical, id, ignore",
                failure(c -> column(c, 1).put("type", "text")));
    }

    @Test
    void failsWhenFacetColumnIsMissing() {
        assertEquals("datasets/census.json: fairness[0].column 'gender' is not a column",
                failure(c -> facet(c).put("column", "gender")));
    }

    @Test
    void failsWhenFacetIsTheLabel() {
        assertEquals("datasets/census.json: fairness[0].column 'income' is the label; a facet must be a feature",
                failure(c -> facet(c).put("column", "income")));
    }

    @Test
    void failsWhenFacetColumnIsIgnored() {
        assertEquals("datasets/census.json: fairness[0].column 'sex' has type ignore; a facet must be a feature "
                + "(numeric or categorical)", failure(c -> column(c, 9).put("type", "ignore")));
    }

    @Test
    void failsWhenFacetValuesAreOnANumericColumn() {
        assertEquals("datasets/census.json: fairness[0].values [Female] needs a categorical column, but 'age' is "
                + "numeric; use threshold", failure(c -> facet(c).put("column", "age")));
    }

    @Test
    void failsWhenFacetThresholdIsOnACategoricalColumn() {
        assertEquals("datasets/census.json: fairness[0].threshold 40 needs a numeric column, but 'sex' is "
                + "categorical; use values", failure(c -> {
                    facet(c).remove("values");
                    facet(c).put("threshold", 40);
                }));
    }

    @Test
    void failsWhenFacetHasBothOrNeitherOfValuesAndThreshold() {
        assertEquals("datasets/census.json: fairness[0] has both values and threshold; give one",
                failure(c -> facet(c).put("threshold", 1)));
        assertEquals("datasets/census.json: fairness[0] needs values (categorical column) or threshold "
                + "(numeric column)", failure(c -> facet(c).remove("values")));
    }

    @Test
    void failsWhenLabelHasBothPositiveAndClasses() {
        assertEquals("datasets/census.json: label has both positive and classes; give positive (binary) or classes "
                + "(multiclass), not both", failure(c -> ((ObjectNode) c.get("label")).putArray("classes")
                        .add("a").add("b").add("c")));
    }

    @Test
    void failsWhenClassesAreTooFewOrRepeated() {
        assertEquals("datasets/census.json: label.classes must list at least 3 values, got 2", failure(c -> {
            ((ObjectNode) c.get("label")).remove("positive");
            ((ObjectNode) c.get("label")).putArray("classes").add("<=50K").add(">50K");
        }));
        assertEquals("datasets/census.json: label.classes[2] 'a' is listed twice", failure(c -> {
            ((ObjectNode) c.get("label")).remove("positive");
            ((ObjectNode) c.get("label")).putArray("classes").add("a").add("b").add("a");
        }));
    }

    @Test
    void failsWhenNameIsBad() {
        assertEquals("datasets/census.json: name 'Census_Income' must be lowercase letters, digits and single "
                + "hyphens, at most 40 characters", failure(c -> c.put("name", "Census_Income")));
        assertEquals("datasets/census.json: name must be a string, got 7", failure(c -> c.put("name", 7)));
    }

    @Test
    void failsWhenDelimiterIsBad() {
        assertEquals("datasets/census.json: format.delimiter ';;' must be exactly one character",
                failure(c -> ((ObjectNode) c.get("format")).put("delimiter", ";;")));
        assertEquals("datasets/census.json: format.delimiter '\"' cannot separate fields: it is a quote or line break",
                failure(c -> ((ObjectNode) c.get("format")).put("delimiter", "\"")));
    }

    @Test
    void failsWhenHeaderIsNotABoolean() {
        assertEquals("datasets/census.json: format.header must be true or false, got \"no\"",
                failure(c -> ((ObjectNode) c.get("format")).put("header", "no")));
    }

    @Test
    void failsWhenThereIsNoFeature() {
        assertEquals("datasets/census.json: columns has no feature besides the label 'income' (a feature is a "
                + "numeric or categorical column)", failure(c -> {
                    for (int i = 0; i < 14; i++) {
                        column(c, i).put("type", "ignore");
                    }
                    c.remove("fairness");
                }));
    }

    @Test
    void failsWhenFewerThanTwoColumns() {
        assertEquals("datasets/census.json: columns must list at least 2 columns (a label and a feature), got 1",
                failure(c -> {
                    ArrayNode columns = c.withArray("columns");
                    while (columns.size() > 1) {
                        columns.remove(0);
                    }
                }));
    }

    @Test
    void failsWhenJsonIsMalformedOrRepeatsAKey() {
        String broken = assertThrows(DatasetContractException.class,
                () -> DatasetContract.parse("{\"name\": \"x\",}", FILE)).getMessage();
        assertEquals("datasets/census.json: not valid JSON: Unexpected character ('}' (code 125)): was expecting "
                + "double-quote to start field name (line 1, column 14)", broken);
        String repeated = assertThrows(DatasetContractException.class,
                () -> DatasetContract.parse("{\"name\": \"x\", \"name\": \"y\"}", FILE)).getMessage();
        assertEquals("datasets/census.json: not valid JSON: Duplicate field 'name' (line 1, column 21)", repeated);
    }

    @Test
    void failsWhenFileIsMissing() {
        String message = assertThrows(DatasetContractException.class,
                () -> DatasetContract.read(DATASETS.resolve("nope.json"), "datasets/nope.json")).getMessage();
        assertEquals("datasets/nope.json: cannot read the contract (NoSuchFileException: "
                + DATASETS.resolve("nope.json") + ")", message);
    }

    @Test
    void messagesAreOneLine() {
        JsonNode longValue = JSON.getNodeFactory().textNode("x".repeat(200));
        String message = failure(c -> c.set("name", JSON.createArrayNode().add(longValue)));
        assertFalse(message.contains("\n"), message);
    }
}
