package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.s3.Bucket;

/**
 * The whole app, synthesized the way CI and platform engineers do it: `main` in a fresh JVM with
 * cdk.json's context, no AWS_* variable, no credentials file, the instance metadata endpoint
 * disabled. Its cloud assembly is then checked by cdk-nag (AwsSolutions, run by main) and cfn-lint.
 */
class WholeAppTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path assembly;
    private static int exitCode;
    private static String output;

    @BeforeAll
    static void synthesizeInCleanEnvironment() throws Exception {
        assembly = Files.createTempDirectory("cdk-out-");
        Path home = Files.createTempDirectory("empty-home-");
        ProcessBuilder builder = TestApps.mainProcess(TestApps.cdkJsonContext(), assembly).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("HOME", home.toString());
        env.put("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        Process process = builder.start();
        output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "synth did not finish");
        exitCode = process.exitValue();
    }

    @Test
    void synth_withoutAnyAwsEnvironment_succeeds() {
        assertEquals(0, exitCode, output);
    }

    @Test
    void synth_producesEveryStackOfEveryStage() throws IOException {
        List<String> expected = new ArrayList<>();
        for (String stage : List.of("dev", "prod")) {
            for (String unit : List.of("Storage", "Platform", "Image", "Deploy", "Pipeline", "Batch", "Monitor")) {
                expected.add("LgbmOps-" + stage + "-" + unit + ".template.json");
            }
        }
        assertEquals(expected.stream().sorted().toList(), CfnLint.templates(assembly).stream().map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void awsSolutionsChecks_reportNoUnacknowledgedFinding() throws IOException {
        JsonNode report = JSON.readTree(assembly.resolve("validation-report.json").toFile());
        List<String> violations = new ArrayList<>();
        for (JsonNode plugin : report.path("pluginReports")) {
            for (JsonNode violation : plugin.path("violations")) {
                for (JsonNode construct : violation.path("violatingConstructs")) {
                    violations.add(violation.path("severity").asText() + " " + violation.path("ruleName").asText()
                            + " at " + construct.path("constructPath").asText());
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void awsSolutionsChecks_catchAnUnsafeResource() throws IOException {
        App app = TestApps.newApp();
        new Bucket(new Stack(app, "Unsafe"), "PlainBucket");
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

        RuntimeException failure = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, app::synth);

        assertTrue(failure.getMessage().contains("Validation failed"), failure.getMessage());
        String report = Files.readString(Path.of(app.getOutdir(), "validation-report.json"));
        assertTrue(report.contains("AwsSolutions-S1") && report.contains("AwsSolutions-S10"), report);
    }

    @Test
    void acknowledgements_eachCarryAReason() throws IOException {
        Map<String, String> acknowledgements = acknowledgements();

        assertFalse(acknowledgements.isEmpty());
        acknowledgements.forEach((finding, reason) ->
                assertTrue(reason.length() >= 40, finding + " is acknowledged without a real reason: \"" + reason + "\""));
        System.out.println("acknowledged findings (with reasons): " + acknowledgements.size());
    }

    @Test
    void cfnLint_findsNothingInAnyTemplate() throws Exception {
        List<Path> templates = CfnLint.templates(assembly);
        assertFalse(templates.isEmpty(), "no template to lint: " + output);

        CfnLint lint = CfnLint.run(templates);

        assertEquals("", lint.findings());
        assertEquals(0, lint.exitCode());
    }

    /** finding id at construct path -> reason, from the acknowledgements recorded in each stack's metadata. */
    private static Map<String, String> acknowledgements() throws IOException {
        Map<String, String> result = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(assembly)) {
            for (Path metadata : files.filter(p -> p.getFileName().toString().endsWith(".metadata.json")).toList()) {
                JsonNode byPath = JSON.readTree(metadata.toFile());
                byPath.properties().forEach(entry -> entry.getValue().forEach(item -> {
                    if (Validations.ACKNOWLEDGED_RULES_METADATA_KEY.equals(item.path("type").asText())) {
                        item.path("data").properties().forEach(ack ->
                                result.put(ack.getKey() + " at " + entry.getKey(), ack.getValue().asText()));
                    }
                }));
            }
        }
        return result;
    }
}
