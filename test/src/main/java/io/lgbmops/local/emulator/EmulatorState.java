package io.lgbmops.local.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.expressions.Json;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.EndpointConfigSummary;
import software.amazon.awssdk.services.sagemaker.model.EndpointSummary;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageGroupSummary;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageSummary;
import software.amazon.awssdk.services.sagemaker.model.ModelSummary;

/** What the run left in the emulator's SageMaker: packages, models, endpoint configs, endpoints. */
public final class EmulatorState {

    private EmulatorState() {}

    public static ObjectNode describe(SageMakerClient sageMaker) {
        ObjectNode state = Json.object();
        ArrayNode packages = state.putArray("modelPackages");
        for (ModelPackageGroupSummary group : sageMaker.listModelPackageGroups(b -> b.maxResults(100)).modelPackageGroupSummaryList()) {
            for (ModelPackageSummary pkg : sageMaker.listModelPackages(b -> b.modelPackageGroupName(group.modelPackageGroupName()))
                    .modelPackageSummaryList()) {
                packages.addObject()
                        .put("arn", pkg.modelPackageArn())
                        .put("group", pkg.modelPackageGroupName())
                        .put("version", pkg.modelPackageVersion())
                        .put("approval", pkg.modelApprovalStatusAsString())
                        .put("status", pkg.modelPackageStatusAsString());
            }
        }
        ArrayNode models = state.putArray("models");
        for (ModelSummary model : sageMaker.listModels(b -> b.maxResults(100)).models()) {
            models.add(model.modelName());
        }
        ArrayNode configs = state.putArray("endpointConfigs");
        for (EndpointConfigSummary config : sageMaker.listEndpointConfigs(b -> b.maxResults(100)).endpointConfigs()) {
            configs.add(config.endpointConfigName());
        }
        ArrayNode endpoints = state.putArray("endpoints");
        for (EndpointSummary endpoint : sageMaker.listEndpoints(b -> b.maxResults(100)).endpoints()) {
            String configName = sageMaker.describeEndpoint(b -> b.endpointName(endpoint.endpointName())).endpointConfigName();
            endpoints.addObject().put("name", endpoint.endpointName()).put("status", endpoint.endpointStatusAsString())
                    .put("endpointConfig", configName);
        }
        return state;
    }

    public static List<String> lines(ObjectNode state) {
        List<String> lines = new ArrayList<>();
        state.path("modelPackages").forEach(p -> lines.add("model package  " + p.path("arn").asText() + "  "
                + p.path("approval").asText() + ", " + p.path("status").asText()));
        state.path("models").forEach(m -> lines.add("model          " + m.asText()));
        state.path("endpointConfigs").forEach(c -> lines.add("endpoint config " + c.asText()));
        state.path("endpoints").forEach(e -> lines.add("endpoint       " + e.path("name").asText() + "  "
                + e.path("status").asText() + " on " + e.path("endpointConfig").asText()));
        if (lines.isEmpty()) {
            lines.add("(no SageMaker resources)");
        }
        return lines;
    }
}
