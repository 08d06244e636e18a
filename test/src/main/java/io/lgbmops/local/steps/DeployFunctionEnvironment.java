package io.lgbmops.local.steps;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.execution.PipelineDefinition;
import io.lgbmops.local.expressions.ExpressionResolver;
import io.lgbmops.pipeline.StepGraph;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.DeploySettings.Setting;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The environment of the deploy Lambda in a local run, for a plain definition (from cdk.out the
 * function's own environment is used as deployed, unchanged). A plain definition does not carry it,
 * so it is derived from the definition the way the stack wires it: the RegisterModel step's group,
 * the Lambda step's endpoint name, a Model step's role (or, with no Model step, the jobs' role: the
 * model role appears nowhere else in a definition) and the definition's KMS key. The gate's
 * floor is a stage setting the definition does not hold, so the function applies its own default;
 * the execution's F1Threshold reaches the function the way it does in AWS, as the Deploy step's
 * argument and the registered package's metadata.
 */
public final class DeployFunctionEnvironment {

    private DeployFunctionEnvironment() {}

    /** The environment derived from a plain definition, applied to every function. */
    public static Map<String, String> derive(PipelineDefinition definition, Map<String, JsonNode> parameters) {
        ExpressionResolver resolver = new ExpressionResolver(new StaticScope(parameters));
        Map<String, String> environment = new LinkedHashMap<>();
        for (StepGraph.Node step : definition.executionOrder()) {
            JsonNode arguments = step.arguments();
            switch (step.type()) {
                case "RegisterModel" -> text(resolver, arguments.get("ModelPackageGroupName"))
                        .ifPresent(v -> environment.putIfAbsent(Setting.MODEL_PACKAGE_GROUP_NAME.name(), v));
                case "Lambda" -> {
                    text(resolver, arguments.get(DeployFunction.ENDPOINT_NAME))
                            .ifPresent(v -> environment.putIfAbsent(Setting.ENDPOINT_NAME.name(), v));
                    // The batch pipeline's resolve-package names the group it asks about.
                    text(resolver, arguments.get("model_package_group"))
                            .ifPresent(v -> environment.putIfAbsent(Setting.MODEL_PACKAGE_GROUP_NAME.name(), v));
                }
                // The stack gives the function the model's role (the Model step's), not the jobs' role.
                case "Model" -> text(resolver, arguments.get("ExecutionRoleArn"))
                        .ifPresent(v -> environment.put(Setting.EXECUTION_ROLE_ARN.name(), v));
                default -> {
                    text(resolver, arguments.path("ProcessingOutputConfig").get("KmsKeyId"))
                            .ifPresent(v -> environment.putIfAbsent(Setting.KMS_KEY_ID.name(), v));
                    text(resolver, arguments.get("RoleArn")).ifPresent(v -> environment.putIfAbsent(Setting.EXECUTION_ROLE_ARN.name(), v));
                }
            }
        }
        return environment;
    }

    private static Optional<String> text(ExpressionResolver resolver, JsonNode value) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        try {
            String text = resolver.resolveText(value);
            return text.isBlank() ? Optional.empty() : Optional.of(text);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parameters only: what is known before the execution starts. */
    private record StaticScope(Map<String, JsonNode> parameters) implements ExpressionResolver.Scope {
        @Override
        public JsonNode parameter(String name) {
            return parameters.get(name);
        }

        @Override
        public JsonNode executionVariable(String name) {
            return null;
        }

        @Override
        public JsonNode stepProperties(String stepName) {
            throw new IllegalStateException("not known before the execution");
        }

        @Override
        public JsonNode propertyFile(String stepName, String propertyFileName) {
            throw new IllegalStateException("not known before the execution");
        }

        @Override
        public JsonNode jsonAt(String s3Uri) {
            throw new IllegalStateException("not known before the execution");
        }
    }
}
