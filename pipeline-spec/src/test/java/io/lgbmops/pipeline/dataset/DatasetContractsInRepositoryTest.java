package io.lgbmops.pipeline.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every contract in datasets/ passes both the JSON schema and the Java reader; they agree on what is wrong. */
class DatasetContractsInRepositoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonSchema schema() throws IOException {
        JsonNode schema = JSON.readTree(DatasetContractTest.DATASETS.resolve("contract.schema.json").toFile());
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
    }

    private static List<Path> contracts() throws IOException {
        try (Stream<Path> files = Files.list(DatasetContractTest.DATASETS)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .filter(f -> !f.getFileName().toString().equals("contract.schema.json"))
                    .sorted().toList();
        }
    }

    @Test
    void everyContract_passesTheSchemaAndTheReader() throws IOException {
        JsonSchema schema = schema();
        List<Path> contracts = contracts();
        assertEquals(List.of("census.json", "churn.json", "penguins.json"),
                contracts.stream().map(p -> p.getFileName().toString()).toList());
        for (Path file : contracts) {
            List<String> errors = schema.validate(JSON.readTree(file.toFile())).stream()
                    .map(ValidationMessage::getMessage).toList();
            assertEquals(List.of(), errors, file.toString());
            DatasetContract contract = DatasetContract.read(file, "datasets/" + file.getFileName());
            assertEquals(file.getFileName().toString(), contract.name() + ".json", "the file is named after the dataset");
        }
    }

    @Test
    void schema_rejectsWhatTheReaderRejectsStructurally() throws IOException {
        JsonSchema schema = schema();
        ObjectNodeEdits edits = new ObjectNodeEdits();
        for (JsonNode broken : edits.structurallyBroken()) {
            assertFalse(schema.validate(broken).isEmpty(), "schema accepted " + broken);
        }
    }

    /** Contracts that break a rule the schema states too (the semantic rules are the reader's alone). */
    private static final class ObjectNodeEdits {
        List<JsonNode> structurallyBroken() throws IOException {
            JsonNode census = JSON.readTree(DatasetContractTest.DATASETS.resolve("census.json").toFile());
            var unknownKey = census.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) unknownKey).put("lable", "x");
            var badName = census.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) badName).put("name", "Census_Income");
            var badDelimiter = census.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) badDelimiter.get("format")).put("delimiter", ";;");
            var both = census.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) both.get("label")).putArray("classes").add("a").add("b").add("c");
            return List.of(unknownKey, badName, badDelimiter, both);
        }
    }
}
