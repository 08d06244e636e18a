package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Synthesized templates reviewed like code, as pipeline-spec's definition snapshots are: each is
 * compared with its checked-in JSON under {@code src/test/resources/snapshots/}. After an intended
 * change, run {@code mvn -pl infra -am test -Dsnapshot.update=true} and review
 * the diff.
 */
final class Snapshots {
    static final boolean UPDATE = Boolean.getBoolean("snapshot.update");
    static final Path DIRECTORY = Path.of("src/test/resources/snapshots");
    static final String UPDATE_COMMAND = "mvn -pl infra -am test -Dsnapshot.update=true";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    /** An asset's content hash, and the 32-character image tag taken from one: they follow the built sources. */
    private static final Pattern ASSET_HASH = Pattern.compile("(?<![0-9a-f])([0-9a-f]{64}|[0-9a-f]{32})(?![0-9a-f])");
    /** A published Lambda version's logical ID ends in a hash of the function's code and configuration. */
    private static final Pattern VERSION_HASH = Pattern.compile("(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}");

    private Snapshots() {
    }

    /** The template as its snapshot holds it: keys sorted, build-dependent values replaced by {@code [asset]}. */
    static String normalised(Map<String, Object> template) {
        try {
            String text = JSON.writeValueAsString(JSON.readTree(JSON.writeValueAsString(template)));
            text = VERSION_HASH.matcher(text).replaceAll("$1[asset]");
            return ASSET_HASH.matcher(text).replaceAll("[asset]") + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails, naming {@code name} and the first differing JSON path, unless the snapshot holds {@code generated}. */
    static void assertMatches(String name, String generated) throws IOException {
        Path snapshot = DIRECTORY.resolve(name + ".json");
        if (UPDATE) {
            Files.createDirectories(snapshot.getParent());
            Files.writeString(snapshot, generated, StandardCharsets.UTF_8);
        }
        String reviewed = Files.exists(snapshot) ? Files.readString(snapshot, StandardCharsets.UTF_8) : "{}";
        if (!reviewed.equals(generated)) {
            fail(name + " differs from " + snapshot + " at " + firstDifference(JSON.readTree(reviewed), JSON.readTree(generated))
                    + ".\nIf the change is intended, run\n    " + UPDATE_COMMAND + "\nand review the diff.");
        }
    }

    /** The JSONPath of the first place two documents differ, with both values there; "" when equal. */
    static String firstDifference(JsonNode reviewed, JsonNode generated) {
        return firstDifference("$", reviewed, generated);
    }

    private static String firstDifference(String path, JsonNode reviewed, JsonNode generated) {
        if (reviewed.equals(generated)) {
            return "";
        }
        if (reviewed.isObject() && generated.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            reviewed.fieldNames().forEachRemaining(keys::add);
            generated.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                String found = firstDifference(path + "." + key, reviewed.path(key), generated.path(key));
                if (!found.isEmpty()) {
                    return found;
                }
            }
        } else if (reviewed.isArray() && generated.isArray()) {
            Iterator<JsonNode> left = reviewed.elements();
            Iterator<JsonNode> right = generated.elements();
            for (int i = 0; left.hasNext() || right.hasNext(); i++) {
                String found = firstDifference(path + "[" + i + "]", left.hasNext() ? left.next() : missing(),
                        right.hasNext() ? right.next() : missing());
                if (!found.isEmpty()) {
                    return found;
                }
            }
        }
        return path + " (reviewed: " + shown(reviewed) + ", generated: " + shown(generated) + ")";
    }

    private static JsonNode missing() {
        return JSON.missingNode();
    }

    private static String shown(JsonNode node) {
        if (node.isMissingNode()) {
            return "<absent>";
        }
        String text = node.toString();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
