package io.lgbmops.local.expressions;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.emulator.AwsClients;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** {@code Execution.*}: the identity of this run, shaped like a SageMaker pipeline execution's. */
public record ExecutionVariables(String pipelineName, String executionId, Instant startDateTime) {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static ExecutionVariables start(String pipelineName) {
        SecureRandom random = new SecureRandom();
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return new ExecutionVariables(pipelineName, id.toString(), Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    String pipelineArn() {
        return "arn:aws:sagemaker:" + AwsClients.REGION.id() + ":" + AwsClients.ACCOUNT_ID + ":pipeline/"
                + pipelineName.toLowerCase(Locale.ROOT);
    }

    public String executionArn() {
        return pipelineArn() + "/execution/" + executionId;
    }

    public JsonNode get(String name) {
        var nodes = Json.nodes();
        return switch (name) {
            case "PipelineName" -> nodes.textNode(pipelineName);
            case "PipelineArn" -> nodes.textNode(pipelineArn());
            case "PipelineExecutionId" -> nodes.textNode(executionId);
            case "PipelineExecutionArn" -> nodes.textNode(executionArn());
            case "StartDateTime" -> nodes.textNode(startDateTime.toString());
            case "CurrentDateTime" -> nodes.textNode(Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            default -> null;
        };
    }
}
