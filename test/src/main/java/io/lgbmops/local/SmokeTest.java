package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.execution.RunContext;
import io.lgbmops.local.execution.StepResult;
import io.lgbmops.local.execution.StepStatus;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.jobs.ModelServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;

/**
 * After a successful execution: the registered model package's artifacts, served by the
 * container's {@code serve}, answer a few rows of the test split (label column removed).
 */
final class SmokeTest {

    /** The rows sent, their labels and the scores that came back. */
    record Result(String modelPackageArn, String modelDataUrl, List<String> rows, List<String> labels,
                  List<String> predictions) {
        ObjectNode toJson() {
            ObjectNode json = Json.object().put("modelPackageArn", modelPackageArn).put("modelDataUrl", modelDataUrl)
                    .put("rows", rows.size()).put("predictions", predictions.size());
            var examples = json.putArray("examples");
            for (int i = 0; i < rows.size(); i++) {
                examples.addObject().put("features", rows.get(i)).put("label", labels.get(i))
                        .put("prediction", i < predictions.size() ? predictions.get(i) : null);
            }
            return json;
        }
    }

    private SmokeTest() {}

    /** Runs the smoke test, or returns empty when no step registered a model package. */
    static Optional<Result> run(RunContext context, List<StepResult> steps, int rowCount) throws Exception {
        Optional<StepResult> register = steps.stream()
                .filter(s -> s.type().equals("RegisterModel") && s.status() == StepStatus.SUCCEEDED)
                .reduce((first, second) -> second);
        if (register.isEmpty()) {
            return Optional.empty();
        }
        String arn = register.get().properties().path("ModelPackageArn").asText();
        DescribeModelPackageResponse pkg = context.sageMaker().describeModelPackage(b -> b.modelPackageName(arn));
        String modelDataUrl = pkg.inferenceSpecification().containers().get(0).modelDataUrl();
        S3Uri testSplit = testSplit(steps).orElseThrow(() ->
                new IllegalStateException("no step wrote a processing output named 'test' to take rows from"));
        List<String> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        readRows(context, testSplit, rowCount, rows, labels);
        try (ModelServer server = ModelServer.start(context, modelDataUrl, context.directory("endpoints", "smoke"))) {
            context.console().info("smoke test", "serve on " + server.url() + " with " + modelDataUrl);
            String body = server.invokeCsv(String.join("\n", rows) + "\n");
            List<String> predictions = body.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            return Optional.of(new Result(arn, modelDataUrl, rows, labels, predictions));
        }
    }

    /** The S3 URI of the first processing output named "test". */
    static Optional<S3Uri> testSplit(List<StepResult> steps) {
        for (StepResult step : steps) {
            if (step.status() != StepStatus.SUCCEEDED || !step.type().equals("Processing")) {
                continue;
            }
            for (JsonNode output : step.properties().path("ProcessingOutputConfig").path("Outputs")) {
                if (output.path("OutputName").asText().equals("test")) {
                    return Optional.of(S3Uri.parse(output.path("S3Output").path("S3Uri").asText()));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The first rows of the first CSV under {@code prefix}: header skipped, label (first column) split
     * off, and the contract's id columns (last in a split, as its dataset description lists them) dropped,
     * because the model is sent features only.
     */
    private static void readRows(RunContext context, S3Uri prefix, int count, List<String> rows, List<String> labels)
            throws IOException {
        var s3 = context.s3();
        S3Uri file = s3.firstObject(prefix, ".csv")
                .orElseThrow(() -> new IllegalStateException("no CSV file under " + prefix));
        int ids = 0;
        Optional<S3Uri> description = s3.firstObject(prefix, ".json");
        if (description.isPresent()) {
            try (var in = s3.open(description.get())) {
                ids = Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8)).path("ids").size();
            }
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(s3.open(file), StandardCharsets.UTF_8))) {
            reader.readLine();
            String line;
            while (rows.size() < count && (line = reader.readLine()) != null) {
                int comma = line.indexOf(',');
                if (comma <= 0) {
                    continue;
                }
                String features = line.substring(comma + 1);
                for (int i = 0; i < ids; i++) {
                    features = features.substring(0, Math.max(0, features.lastIndexOf(',')));
                }
                labels.add(line.substring(0, comma));
                rows.add(features);
            }
        }
    }
}
