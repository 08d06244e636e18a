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

    /** cdk.json's context with some of the dev stage's settings changed. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> contextWithDev(Map<String, Object> devSettings) {
        Map<String, Object> context = cdkJsonContext();
        Map<String, Object> stages = new LinkedHashMap<>((Map<String, Object>) context.get("stages"));
        Map<String, Object> dev = new LinkedHashMap<>((Map<String, Object>) stages.get("dev"));
        dev.putAll(devSettings);
        stages.put("dev", dev);
        context.put("stages", stages);
        return context;
    }

    /** A fresh app with cdk.json's context, its output in a new temporary directory. */
    static App newApp() {
        return newApp(cdkJsonContext());
    }

    /** A fresh app with {@code context}, its output in a new temporary directory. */
    static App newApp(Map<String, Object> context) {
        try {
            Path outdir = Files.createTempDirectory("cdk-test-");
            return new App(AppProps.builder().context(context).outdir(outdir.toString()).build());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * `main` as `cdk synth` runs it: a fresh JVM in the repository root, the context as the CLI
     * passes it, no AWS_* or CDK_* variable of ours, no input. Callers choose where its output goes.
     */
    static ProcessBuilder mainProcess(Map<String, Object> context, Path outdir) {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LgbmOpsApp.class.getName())
                .directory(REPO_ROOT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("CDK_"));
        env.put("CDK_OUTDIR", outdir.toString());
        try {
            env.put("CDK_CONTEXT_JSON", new ObjectMapper().writeValueAsString(context));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return builder;
    }

    /** The first stage of {@code app}'s context, wired as main wires it. */
    static LgbmOpsApp.StageStacks stageStacks(App app) {
        return new LgbmOpsApp.StageStacks(app, config(app).stages().get(0), new SourcePaths(REPO_ROOT));
    }

    static AppConfig config(App app) {
        return AppConfig.fromContext(app.getNode().tryGetContext("stages"), app.getNode().tryGetContext("stage"), REPO_ROOT);
    }
}
