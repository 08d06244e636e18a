package io.lgbmops.pipeline.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract mistakes in {@code datasets/mistakes/}: the container's Python reader rejects the
 * same files (container/tests/test_contract.py), so the two readers cannot drift apart on a rule.
 */
class ContractMistakesTest {

    private static final Path MISTAKES = DatasetContractTest.DATASETS.resolve("mistakes");

    static List<JsonNode> cases() throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        new ObjectMapper().readTree(MISTAKES.resolve("expected.json").toFile()).path("cases").forEach(cases::add);
        assertFalse(cases.isEmpty(), "datasets/mistakes/expected.json lists no case");
        return cases;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void read_whenContractBreaksARule_failsWithOneLineNamingTheKey(JsonNode mistake) {
        String file = mistake.path("file").asText();
        DatasetContractException error = assertThrows(DatasetContractException.class,
                () -> DatasetContract.read(MISTAKES.resolve(file), file));

        String message = error.getMessage();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.startsWith(file + ": "), message);
        assertTrue(message.contains(mistake.path("key").asText()), message);
    }

    @Test
    void everyMistakeFile_isListed() throws IOException {
        try (Stream<Path> files = Files.list(MISTAKES)) {
            List<String> onDisk = files.map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("expected.json")).sorted().toList();
            assertEquals(onDisk, cases().stream().map(c -> c.path("file").asText()).sorted().toList());
        }
    }
}
