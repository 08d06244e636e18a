package io.lgbmops.deploy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.deploy.DeployFunction;
import io.lgbmops.pipeline.deploy.DeploySettings;
import java.util.Iterator;
import java.util.Set;

/**
 * Turns the raw invocation payload into one {@link Invocation}. Three shapes are accepted:
 * the pipeline's Lambda step arguments, the EventBridge "SageMaker Model Package State Change"
 * event, and the EventBridge "SageMaker Endpoint State Change" event (used to re-apply
 * autoscaling once an endpoint is InService again). Everything else is an
 * {@link InvalidEventException} naming the field.
 */
public final class EventParser {

    static final String MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change";
    static final String ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change";
    static final String SOURCE = "aws.sagemaker";
    static final String APPROVED = "Approved";

    private static final Set<String> PIPELINE_FIELDS = Set.copyOf(DeployFunction.ARGUMENTS);

    private final ObjectMapper mapper;
    private final DeploySettings config;

    public EventParser(ObjectMapper mapper, DeploySettings config) {
        this.mapper = mapper;
        this.config = config;
    }

    /** What one invocation asks for. */
    public sealed interface Invocation {
        /** Deploy (or keep) this package. */
        record Deploy(DeployRequest request) implements Invocation { }

        /** A state-change event for a package of our group that is not Approved: nothing to do. */
        record NotApproved(String modelPackageArn, String approvalStatus) implements Invocation { }

        /** Our endpoint changed state: make sure autoscaling is in place if it is InService. */
        record EndpointChanged(String endpointName) implements Invocation { }

        /**
         * Promote the challenger or shadow to sole production variant, or roll it back (remove it).
         * {@code modelPackageVersion}: the version the operator means; a promotion requires it, a
         * rollback without it removes whichever challenger or shadow is there (the alarm rule's form).
         * {@code reason}: why, as the caller says it (the alarm's name); logged with the decision.
         */
        record VariantOperation(Operation operation, Integer modelPackageVersion, String reason)
                implements Invocation { }

        /** Which Approved package of the group a pipeline should use; changes nothing. */
        record ResolvePackage(ResolvePackageRequest request) implements Invocation { }

        /** An operation of the monitoring pipeline or of its drift alarm rule. */
        record Monitoring(MonitorRequest request) implements Invocation { }
    }

    /** What a {@link Invocation.VariantOperation} does. */
    public enum Operation { PROMOTE, ROLLBACK }

    static final String OPERATION_FIELD = DeployFunction.OPERATION;
    static final String VERSION_FIELD = "model_package_version";
    private static final Set<String> OPERATION_FIELDS = Set.of(OPERATION_FIELD, VERSION_FIELD, DeployFunction.ENDPOINT_NAME,
            DeployFunction.OPERATION_REASON);

    public Invocation parse(byte[] payload) {
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JacksonException e) {
            throw new InvalidEventException("$", "is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InvalidEventException("$", "could not be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new InvalidEventException("$", "must be a JSON object");
        }
        if (root.has("detail-type")) {
            return parseEvent(root);
        }
        // resolve-package carries model_package_arn too, so it is told apart first.
        if (root.has(OPERATION_FIELD) && ResolvePackageRequest.OPERATION.equals(root.get(OPERATION_FIELD).asText())) {
            return new Invocation.ResolvePackage(ResolvePackageRequest.parse(root, config.modelPackageGroupName()));
        }
        if (root.has(DeployFunction.MODEL_PACKAGE_ARN)) {
            return parsePipelineArguments(root);
        }
        if (root.has(OPERATION_FIELD)) {
            return parseOperation(root);
        }
        throw new InvalidEventException("$",
                "must be either the pipeline's arguments (with model_package_arn), an operation (with operation) "
                        + "or an EventBridge event (with detail-type)");
    }

    private Invocation parsePipelineArguments(JsonNode root) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!PIPELINE_FIELDS.contains(name)) {
                throw new InvalidEventException(name, "is not a known argument; expected " + PIPELINE_FIELDS);
            }
        }
        String arn = text(root, DeployFunction.MODEL_PACKAGE_ARN, DeployFunction.MODEL_PACKAGE_ARN, true);
        String endpoint = text(root, DeployFunction.ENDPOINT_NAME, DeployFunction.ENDPOINT_NAME, false);
        if (endpoint != null && !endpoint.equals(config.endpointName())) {
            throw new InvalidEventException(DeployFunction.ENDPOINT_NAME,
                    "this function only deploys to \"" + config.endpointName() + "\", got \"" + endpoint + "\"");
        }
        String instanceType = text(root, DeployFunction.INSTANCE_TYPE, DeployFunction.INSTANCE_TYPE, false);
        Integer count = count(root, DeployFunction.INITIAL_INSTANCE_COUNT);
        return new Invocation.Deploy(new DeployRequest(
                DeployRequest.Source.PIPELINE,
                arn,
                config.endpointName(),
                instanceType == null ? config.instanceType() : instanceType,
                count == null ? config.initialInstanceCount() : count,
                decimal(root, DeployFunction.F1_THRESHOLD)));
    }

    /** {@code {"operation": "promote"|"rollback", "model_package_version": 7, "reason": "..."}}. */
    private Invocation parseOperation(JsonNode root) {
        if (MonitorRequest.OPERATIONS.contains(root.path(OPERATION_FIELD).asText(""))) {
            return new Invocation.Monitoring(MonitorRequest.parse(root));
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!OPERATION_FIELDS.contains(name)) {
                throw new InvalidEventException(name, "is not a known field of an operation; expected " + OPERATION_FIELDS);
            }
        }
        String value = text(root, OPERATION_FIELD, OPERATION_FIELD, true);
        Operation operation = switch (value) {
            case DeployFunction.PROMOTE -> Operation.PROMOTE;
            case DeployFunction.ROLLBACK -> Operation.ROLLBACK;
            default -> throw new InvalidEventException(OPERATION_FIELD,
                    "must be \"promote\", \"rollback\", \"" + ResolvePackageRequest.OPERATION + "\" or one of "
                            + MonitorRequest.OPERATIONS.stream().sorted().toList() + ", got \"" + value + "\"");
        };
        String endpoint = text(root, DeployFunction.ENDPOINT_NAME, DeployFunction.ENDPOINT_NAME, false);
        if (endpoint != null && !endpoint.equals(config.endpointName())) {
            throw new InvalidEventException(DeployFunction.ENDPOINT_NAME,
                    "this function only manages \"" + config.endpointName() + "\", got \"" + endpoint + "\"");
        }
        String reason = text(root, DeployFunction.OPERATION_REASON, DeployFunction.OPERATION_REASON, false);
        Integer version = count(root, VERSION_FIELD);
        if (version != null && version < 1) {
            throw new InvalidEventException(VERSION_FIELD, "must be a model package version (>= 1), got " + version);
        }
        if (version == null && operation == Operation.PROMOTE) {
            throw new InvalidEventException(VERSION_FIELD,
                    "is required to promote: it names the challenger or shadow that is meant");
        }
        return new Invocation.VariantOperation(operation, version, reason);
    }

    private Invocation parseEvent(JsonNode root) {
        String detailType = text(root, "detail-type", "detail-type", true);
        String source = text(root, "source", "source", true);
        if (!SOURCE.equals(source)) {
            throw new InvalidEventException("source", "must be \"" + SOURCE + "\", got \"" + source + "\"");
        }
        JsonNode detail = root.get("detail");
        if (detail == null || detail.isNull()) {
            throw new InvalidEventException("detail", "is required");
        }
        if (!detail.isObject()) {
            throw new InvalidEventException("detail", "must be an object, got " + detail.getNodeType());
        }
        return switch (detailType) {
            case MODEL_PACKAGE_STATE_CHANGE -> parseModelPackageEvent(detail);
            case ENDPOINT_STATE_CHANGE -> parseEndpointEvent(detail);
            default -> throw new InvalidEventException("detail-type",
                    "must be \"" + MODEL_PACKAGE_STATE_CHANGE + "\" or \"" + ENDPOINT_STATE_CHANGE
                            + "\", got \"" + detailType + "\"");
        };
    }

    private Invocation parseModelPackageEvent(JsonNode detail) {
        String group = text(detail, "ModelPackageGroupName", "detail.ModelPackageGroupName", true);
        if (!group.equals(config.modelPackageGroupName())) {
            throw new InvalidEventException("detail.ModelPackageGroupName",
                    "this function only deploys group \"" + config.modelPackageGroupName() + "\", got \"" + group + "\"");
        }
        String arn = text(detail, "ModelPackageArn", "detail.ModelPackageArn", true);
        String status = text(detail, "ModelApprovalStatus", "detail.ModelApprovalStatus", true);
        if (!APPROVED.equals(status)) {
            return new Invocation.NotApproved(arn, status);
        }
        return new Invocation.Deploy(new DeployRequest(
                DeployRequest.Source.MODEL_PACKAGE_EVENT,
                arn,
                config.endpointName(),
                config.instanceType(),
                config.initialInstanceCount(),
                null));
    }

    private Invocation parseEndpointEvent(JsonNode detail) {
        String endpoint = text(detail, "EndpointName", "detail.EndpointName", true);
        if (!endpoint.equals(config.endpointName())) {
            throw new InvalidEventException("detail.EndpointName",
                    "this function only manages \"" + config.endpointName() + "\", got \"" + endpoint + "\"");
        }
        return new Invocation.EndpointChanged(endpoint);
    }

    private static String text(JsonNode parent, String key, String field, boolean required) {
        String value = string(parent, key, field, required);
        if (value != null && value.isBlank()) {
            throw new InvalidEventException(field, "must not be empty");
        }
        return value;
    }

    /** The string at {@code key}, empty or not; null when absent and not {@code required}. */
    static String string(JsonNode parent, String key, String field, boolean required) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidEventException(field, "is required");
            }
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(field, "must be a string, got " + node.getNodeType());
        }
        return node.textValue();
    }

    /** A number or a string holding one (as {@link #count}); the range is checked by {@link DeployRequest}. */
    private static Double decimal(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            try {
                return Double.parseDouble(node.textValue().trim());
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new InvalidEventException(field, "must be a number (or a string holding one), got " + node);
    }

    /** The pipeline passes numbers through its parameters as strings, so both forms are accepted. */
    private static Integer count(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return node.intValue();
        }
        if (node.isTextual() && node.textValue().trim().matches("\\d{1,9}")) {
            return Integer.parseInt(node.textValue().trim());
        }
        throw new InvalidEventException(field, "must be an integer (or a string holding one), got " + node);
    }
}
