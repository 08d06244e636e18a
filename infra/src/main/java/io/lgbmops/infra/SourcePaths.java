package io.lgbmops.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the app finds what it packages: the container source and the built deploy Lambda jar. */
public record SourcePaths(Path repoRoot) {

    public SourcePaths {
        repoRoot = repoRoot.toAbsolutePath().normalize();
    }

    /** The CDK CLI runs the app from the directory of cdk.json, the repository root. */
    public static SourcePaths fromWorkingDirectory() {
        return new SourcePaths(Path.of(System.getProperty("user.dir")));
    }

    public Path containerDir() {
        return existing(repoRoot.resolve("container"), "the container source");
    }

    public Path deployLambdaJar() {
        return existing(repoRoot.resolve("lambda-deploy/target/lambda-deploy.jar"),
                "the deploy Lambda jar; build it first with `mvn -B package -DskipTests`");
    }

    /** The text of a dataset contract, by its repository-relative path (StageConfig has checked it). */
    public String datasetContract(String relativePath) {
        Path file = existing(repoRoot.resolve(relativePath), "the stage's dataset contract");
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Path existing(Path path, String what) {
        if (!Files.exists(path)) {
            throw new IllegalStateException(path + " does not exist: it should hold " + what);
        }
        return path;
    }
}
