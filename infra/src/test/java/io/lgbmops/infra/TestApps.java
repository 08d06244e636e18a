package io.lgbmops.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.infra.config.AppConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/** Builds the app the way `cdk synth` does: with the context (feature flags, stages) of the real cdk.json. */
final class TestApps {
    static final Path REPO_ROOT = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    static final Path CDK_JSON = REPO_ROOT.resolve("cdk.json");

    private TestApps() {
    }

    static Map<String, Object> cdkJsonContext() {
        try {
            Map<String, Object> cdkJson = new ObjectMapper().readValue(Files.readString(CDK_JSON), new TypeReference<>() { });
            @SuppressWarnings("unchecked")
            Map<String, Object> context = (Map<String, Object>) cdkJson.get("context");
            return new LinkedHashMap<>(context);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + CDK_JSON, e);
        }
    }

    /** A fresh app with cdk.json's context, its output in a new temporary directory. */
    static App newApp() {
        try {
            Path outdir = Files.createTempDirectory("cdk-test-");
            return new App(AppProps.builder().context(cdkJsonContext()).outdir(outdir.toString()).build());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static AppConfig config(App app) {
        return AppConfig.fromContext(app.getNode().tryGetContext("stages"), app.getNode().tryGetContext("stage"), REPO_ROOT);
    }
}
