package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The definition and its picture are reviewed like code: the committed snapshot and the Mermaid
 * block in README.md must equal what the model generates. After an intended change, run
 * {@code mvn -pl pipeline-spec test -Dsnapshot.update=true} and review the diff.
 */
class ReviewedArtifactsTest {

    private static final boolean UPDATE = Boolean.getBoolean("snapshot.update");
    private static final Pattern MERMAID_BLOCK = Pattern.compile("```mermaid\n(.*?)```", Pattern.DOTALL);

    @Test
    void snapshot_whenGeneratedFromPlaceholders_equalsTheReviewedFile() throws IOException {
        compareWithSnapshot("pipeline-definition.json", Definitions.placeholder().toJson());
    }

    @Test
    void batchSnapshot_whenGeneratedFromPlaceholders_equalsTheReviewedFile() throws IOException {
        compareWithSnapshot("batch-pipeline-definition.json", BatchDefinitions.placeholder().toJson());
    }

    @Test
    void readmeGraph_whenGeneratedFromPlaceholders_equalsTheMermaidBlock() throws IOException {
        Path readme = Definitions.moduleDirectory().resolve("README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        String generated = PipelineGraph.mermaid(Definitions.placeholder());
        Matcher block = MERMAID_BLOCK.matcher(text);
        if (!block.find()) {
            fail("README.md has no ```mermaid block");
        }

        if (UPDATE) {
            text = text.substring(0, block.start(1)) + generated + text.substring(block.end(1));
            Files.writeString(readme, text, StandardCharsets.UTF_8);
            block = MERMAID_BLOCK.matcher(text);
            block.find();
        }
        compare(readme, block.group(1), generated);
    }

    /** Compares {@code generated} with the committed {@code src/test/resources/snapshot/<fileName>} (rewrites it on update). */
    private static void compareWithSnapshot(String fileName, String generated) throws IOException {
        Path snapshot = Definitions.moduleDirectory().resolve("src/test/resources/snapshot").resolve(fileName);
        if (UPDATE) {
            Files.createDirectories(snapshot.getParent());
            Files.writeString(snapshot, generated, StandardCharsets.UTF_8);
        }
        compare(snapshot, Files.exists(snapshot) ? Files.readString(snapshot, StandardCharsets.UTF_8) : "", generated);
    }

    private static void compare(Path file, String reviewed, String generated) {
        if (!reviewed.equals(generated)) {
            fail(file + " differs from the generated content.\nIf the change is intended, run\n"
                    + "    mvn -pl pipeline-spec test -Dsnapshot.update=true\nand review the diff.\n"
                    + firstDifference(reviewed, generated));
        }
        assertEquals(reviewed, generated);
    }

    private static String firstDifference(String reviewed, String generated) {
        String[] a = reviewed.split("\n", -1);
        String[] b = generated.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String left = i < a.length ? a[i] : "<end of file>";
            String right = i < b.length ? b[i] : "<end of file>";
            if (!left.equals(right)) {
                return "first difference at line " + (i + 1) + ":\n  reviewed:  " + left + "\n  generated: " + right;
            }
        }
        return "";
    }
}
