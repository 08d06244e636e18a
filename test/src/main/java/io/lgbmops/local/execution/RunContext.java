package io.lgbmops.local.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.AwsClients;
import io.lgbmops.local.emulator.S3Store;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.expressions.ExecutionVariables;
import io.lgbmops.local.expressions.ExpressionResolver;
import io.lgbmops.local.jobs.ChildProcesses;
import io.lgbmops.local.jobs.LocalImage;
import io.lgbmops.pipeline.StepGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * What the steps of one execution share: the definition, the resolved parameters, the results so
 * far (the source of every {@code Get}), the emulator's clients, the local image and the work
 * directory.
 */
public final class RunContext implements ExpressionResolver.Scope {

    private final PipelineDefinition definition;
    private final Map<String, JsonNode> parameters;
    private final ExecutionVariables execution;
    private final S3Store s3;
    private final SageMakerClient sageMaker;
    private final ChildProcesses processes;
    private final LocalImage image;
    private final Path workDir;
    private final Console console;
    private final RunSettings settings;
    private final Map<String, StepResult> results = new LinkedHashMap<>();
    private final Map<String, JsonNode> propertyFiles = new LinkedHashMap<>();
    private final ExpressionResolver resolver = new ExpressionResolver(this);

    public RunContext(PipelineDefinition definition, Map<String, JsonNode> parameters, ExecutionVariables execution,
               S3Store s3, SageMakerClient sageMaker, ChildProcesses processes, LocalImage image, Path workDir,
               Console console, RunSettings settings) {
        this.definition = definition;
        this.parameters = Map.copyOf(parameters);
        this.execution = execution;
        this.s3 = s3;
        this.sageMaker = sageMaker;
        this.processes = processes;
        this.image = image;
        this.workDir = workDir;
        this.console = console;
        this.settings = settings;
    }

    PipelineDefinition definition() {
        return definition;
    }

    Map<String, JsonNode> parameters() {
        return parameters;
    }

    public ExecutionVariables execution() {
        return execution;
    }

    public S3Store s3() {
        return s3;
    }

    public SageMakerClient sageMaker() {
        return sageMaker;
    }

    public ChildProcesses processes() {
        return processes;
    }

    public LocalImage image() {
        return image;
    }

    public Console console() {
        return console;
    }

    public RunSettings settings() {
        return settings;
    }

    public ExpressionResolver resolver() {
        return resolver;
    }

    public JsonNode resolve(JsonNode node) {
        return resolver.resolve(node);
    }

    /** The step's Arguments with every expression in them resolved: what SageMaker sends to the step's API. */
    public ObjectNode arguments(StepGraph.Node step) {
        return (ObjectNode) resolver.resolve(step.arguments());
    }

    synchronized void record(StepResult result) {
        results.put(result.name(), result);
    }

    synchronized Map<String, StepResult> results() {
        return new LinkedHashMap<>(results);
    }

    public synchronized void putPropertyFile(String stepName, String fileName, JsonNode content) {
        propertyFiles.put(stepName + "." + fileName, content);
    }

    /**
     * A job name as SageMaker Pipelines makes them ({@code pipelines-<execution>-<step>-<suffix>}),
     * cut to the API's limit and its character rule.
     */
    public String jobName(String stepName, int maxLength) {
        String step = stepName.replaceAll("[^A-Za-z0-9-]", "-");
        String suffix = Integer.toHexString((execution.executionId() + "/" + stepName).hashCode() & 0xfffffff);
        String name = "pipelines-" + execution.executionId() + "-" + step;
        int room = maxLength - suffix.length() - 1;
        if (name.length() > room) {
            name = name.substring(0, room);
        }
        name = name.replaceAll("-+$", "");
        return name + "-" + suffix;
    }

    /** A fresh directory of this run, e.g. a job's {@code /opt/ml}. */
    public Path directory(String... names) {
        Path dir = workDir;
        for (String name : names) {
            dir = dir.resolve(name);
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String arn(String resourceType, String name) {
        return "arn:aws:sagemaker:" + AwsClients.REGION.id() + ":" + AwsClients.ACCOUNT_ID + ":" + resourceType
                + "/" + name.toLowerCase(Locale.ROOT);
    }

    // --- ExpressionResolver.Scope ---------------------------------------------------------------

    @Override
    public JsonNode parameter(String name) {
        return parameters.get(name);
    }

    @Override
    public JsonNode executionVariable(String name) {
        return execution.get(name);
    }

    @Override
    public synchronized JsonNode stepProperties(String stepName) {
        StepResult result = results.get(stepName);
        if (result == null) {
            throw new IllegalStateException("Steps." + stepName + " has not run yet"
                    + (definition.hasStep(stepName) ? "" : " (the definition has no such step)"));
        }
        boolean skippedWithProperties = result.status() == StepStatus.SKIPPED && result.properties().size() > 0;
        if (result.status() != StepStatus.SUCCEEDED && !skippedWithProperties) {
            throw new IllegalStateException("Steps." + stepName + " has status " + result.status().label()
                    + (result.reason() == null ? "" : " (" + result.reason() + ")") + ", so its properties do not exist");
        }
        return result.properties();
    }

    @Override
    public synchronized JsonNode propertyFile(String stepName, String propertyFileName) {
        stepProperties(stepName);
        JsonNode content = propertyFiles.get(stepName + "." + propertyFileName);
        if (content == null) {
            throw new IllegalStateException("step " + stepName + " has no property file " + propertyFileName);
        }
        return content;
    }

    @Override
    public JsonNode jsonAt(String s3Uri) {
        return s3.readJson(S3Uri.parse(s3Uri));
    }
}
