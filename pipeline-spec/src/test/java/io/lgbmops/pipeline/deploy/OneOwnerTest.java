package io.lgbmops.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each fact the deploy function shares with the pipeline, the stacks and the local runner is
 * written once, in this package: a second spelling of it anywhere in the modules' main code fails
 * here, naming the file.
 */
class OneOwnerTest {

    private static final Path OWNER = Path.of("pipeline-spec/src/main/java/io/lgbmops/pipeline/deploy");
    private static final List<String> MODULES = List.of("pipeline-spec", "lambda-deploy", "infra", "test");

    static Stream<String> ownedLiterals() {
        List<String> literals = new ArrayList<>(List.of(
                F1Gate.F1_JSON_PATH, F1Gate.F1_JSON_KEYS.get(0), F1Gate.EVALUATION_FILE,
                Variants.CHAMPION, Variants.CHALLENGER, Variants.SHADOW,
                DeployFunction.F1_THRESHOLD, DeployFunction.MODEL_PACKAGE_ARN,
                DeployFunction.ENDPOINT_CONFIG_NAME_OUTPUT, DeployFunction.INITIAL_INSTANCE_COUNT,
                DeploySettings.RETIRED_F1_THRESHOLD,
                DeployFunction.RESOLVE_PACKAGE, DeployFunction.DESCRIBE_LIVE, DeployFunction.PUBLISH_METRICS,
                DeployFunction.RETRAIN, DeployFunction.MISSING_REPORT_URI, DeployFunction.BIAS_REPORT_URI,
                DeployFunction.EXPLAINABILITY_REPORT_URI, DeployFunction.EVALUATION_REPORT_URI));
        for (DeploySettings.Setting setting : DeploySettings.Setting.values()) {
            literals.add(setting.name());
            if (setting.stageKey() != null) {
                literals.add(setting.stageKey());
            }
        }
        return literals.stream();
    }

    @ParameterizedTest
    @MethodSource("ownedLiterals")
    void mainCode_spellsOwnedLiteral_onlyInTheOwner(String literal) throws IOException {
        String quoted = "\"" + literal + "\"";
        List<String> elsewhere = mainSources()
                .filter(file -> !file.startsWith(root().resolve(OWNER)))
                .filter(file -> code(file).anyMatch(line -> line.contains(quoted)))
                .map(file -> root().relativize(file).toString())
                .toList();

        assertEquals(List.of(), elsewhere, quoted + " is spelled outside " + OWNER + "; import it from there");
    }

    @Test
    void owner_importsPlainJavaOnly_soTheLambdaJarCarriesNothingElse() throws IOException {
        try (Stream<Path> files = Files.list(root().resolve(OWNER))) {
            List<String> foreign = files.flatMap(file -> read(file).lines()
                            .filter(line -> line.startsWith("import ") && !line.startsWith("import java."))
                            .map(line -> file.getFileName() + ": " + line))
                    .toList();
            assertEquals(List.of(), foreign);
        }
    }

    @Test
    void scan_findsTheOwnerItself() throws IOException {
        // Guards the scan above: it must see the owner's own spelling, or it sees nothing at all.
        assertTrue(mainSources().anyMatch(file -> code(file).anyMatch(line -> line.contains("\"" + Variants.CHAMPION + "\""))));
    }

    private static Stream<Path> mainSources() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String module : MODULES) {
            Path main = root().resolve(module).resolve("src/main/java");
            if (Files.isDirectory(main)) {
                try (Stream<Path> walk = Files.walk(main)) {
                    walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
                }
            }
        }
        return files.stream();
    }

    static Path root() {
        String configured = System.getProperty("repo.root");
        return (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
    }

    /** The lines of a file that are code: a literal quoted in a comment or Javadoc defines nothing. */
    private static Stream<String> code(Path file) {
        return read(file).lines().filter(line -> {
            String trimmed = line.strip();
            return !trimmed.startsWith("*") && !trimmed.startsWith("//") && !trimmed.startsWith("/*");
        });
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
