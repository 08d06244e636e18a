package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `main` with a wrong cdk.json value, in a fresh JVM as `cdk synth` runs it. */
class MainConfigErrorTest {
    private static int exitCode;
    private static String stdout;
    private static String stderr;
    private static Path assembly;

    @BeforeAll
    static void synthesizeWithAWrongValue() throws Exception {
        assembly = Files.createTempDirectory("cdk-out-bad-");
        Path err = Files.createTempFile("main-stderr-", ".txt");
        Process process = TestApps.mainProcess(TestApps.contextWithDev(Map.of("f1Threshold", 1.7)), assembly)
                .redirectError(err.toFile())
                .start();
        stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), "main did not finish");
        exitCode = process.exitValue();
        stderr = Files.readString(err);
    }

    @Test
    void main_whenAValueIsWrong_printsOnlyItsMessageToStderr() {
        assertEquals("stages.dev.f1Threshold must be in (0, 1], got 1.7", stderr.strip());
        assertEquals("", stdout.strip());
    }

    @Test
    void main_whenAValueIsWrong_exitsNonZeroAndWritesNoTemplate() throws Exception {
        assertEquals(LgbmOpsApp.CONFIG_ERROR_EXIT, exitCode);
        try (var files = Files.list(assembly)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".template.json")));
        }
        assertFalse(stderr.contains("\tat "), stderr);
    }
}
