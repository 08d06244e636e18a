package io.lgbmops.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * cfn-lint from the project virtualenv over every template of a cloud assembly.
 *
 * <p>W3005 (redundant DependsOn) is the one check left out: every CDK Lambda function lists its
 * service role in DependsOn although it also references it with GetAtt. The duplicate changes
 * nothing in deployment order; every other error and warning is a finding.
 *
 * @param exitCode cfn-lint's exit status (0: nothing found)
 * @param findings its parseable output, one finding a line
 */
record CfnLint(int exitCode, String findings) {
    private static final Path VENV = Path.of(System.getProperty("venv.dir", "../.venv"));

    static List<Path> templates(Path assembly) throws IOException {
        try (Stream<Path> files = Files.list(assembly)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".template.json")).sorted().toList();
        }
    }

    static CfnLint run(List<Path> templates) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(VENV.resolve("bin/cfn-lint").toString(),
                "--format", "parseable", "--ignore-checks", "W3005", "--"));
        templates.forEach(template -> command.add(template.toString()));
        Process lint = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String findings = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!lint.waitFor(5, TimeUnit.MINUTES)) {
            lint.destroyForcibly();
            throw new IllegalStateException("cfn-lint did not finish in 5 minutes");
        }
        return new CfnLint(lint.exitValue(), findings.strip());
    }
}
