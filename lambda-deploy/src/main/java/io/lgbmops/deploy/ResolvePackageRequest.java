package io.lgbmops.deploy;

import io.lgbmops.pipeline.deploy.DeployFunction;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code resolve-package} operation: which approved model package of the group a pipeline
 * should use. A pipeline passes its parameters as strings, so {@code required} is "true"/"false"
 * and an empty {@code model_package_arn} means "the latest Approved version".
 *
 * @param modelPackageGroup  the group asked about; must be the function's own group
 * @param modelPackageArn    a versioned package ARN of that group, or empty for the latest Approved
 * @param required           fail the invocation (and so the pipeline step) when nothing is found
 * @param missingReportUri   the S3 URI reported in place of a report the package does not have
 */
record ResolvePackageRequest(String modelPackageGroup, Optional<String> modelPackageArn, boolean required,
        String missingReportUri) {

    static final String OPERATION = DeployFunction.RESOLVE_PACKAGE;
    static final String GROUP_FIELD = DeployFunction.MODEL_PACKAGE_GROUP;
    static final String ARN_FIELD = DeployFunction.MODEL_PACKAGE_ARN;
    static final String REQUIRED_FIELD = DeployFunction.REQUIRED;
    static final String MISSING_REPORT_FIELD = DeployFunction.MISSING_REPORT_URI;
    private static final Set<String> FIELDS =
            Set.of(EventParser.OPERATION_FIELD, GROUP_FIELD, ARN_FIELD, REQUIRED_FIELD, MISSING_REPORT_FIELD);

    ResolvePackageRequest {
        modelPackageArn = modelPackageArn == null ? Optional.empty() : modelPackageArn.filter(a -> !a.isBlank());
    }

    /** Reads the operation's fields; {@code expectedGroup} is the only group this function answers for. */
    static ResolvePackageRequest parse(JsonNode root, String expectedGroup) {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidEventException(name, "is not a known field of " + OPERATION + "; expected " + FIELDS);
            }
        }
        String group = text(root, GROUP_FIELD, true);
        if (!group.equals(expectedGroup)) {
            throw new InvalidEventException(GROUP_FIELD,
                    "this function only resolves packages of group \"" + expectedGroup + "\", got \"" + group + "\"");
        }
        String arn = text(root, ARN_FIELD, false);
        if (arn != null && !arn.isBlank() && !arn.matches("^arn:aws[a-z-]*:sagemaker:[^:]+:\\d{12}:model-package/.+/\\d+$")) {
            throw new InvalidEventException(ARN_FIELD, "must be a versioned model package ARN "
                    + "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>) or empty, got \"" + arn + "\"");
        }
        String missing = text(root, MISSING_REPORT_FIELD, true);
        if (missing.isBlank() || !missing.startsWith("s3://")) {
            throw new InvalidEventException(MISSING_REPORT_FIELD, "must be an s3:// URI, got \"" + missing + "\"");
        }
        return new ResolvePackageRequest(group, Optional.ofNullable(arn), required(root), missing);
    }

    private static boolean required(JsonNode root) {
        JsonNode node = root.get(REQUIRED_FIELD);
        if (node == null || node.isNull()) {
            throw new InvalidEventException(REQUIRED_FIELD, "is required (\"true\" or \"false\")");
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual() && (node.textValue().equals("true") || node.textValue().equals("false"))) {
            return Boolean.parseBoolean(node.textValue());
        }
        throw new InvalidEventException(REQUIRED_FIELD, "must be \"true\" or \"false\", got " + node);
    }

    /** Like the other operations' strings, except that an empty string is a value (the ARN's "latest"). */
    private static String text(JsonNode root, String field, boolean required) {
        String value = EventParser.string(root, field, field, required);
        return value == null ? null : value.trim();
    }
}
