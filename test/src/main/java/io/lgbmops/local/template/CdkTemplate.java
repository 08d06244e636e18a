package io.lgbmops.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lgbmops.local.RunnerOptions;
import io.lgbmops.local.emulator.AwsClients;
import io.lgbmops.local.expressions.Conditions;
import io.lgbmops.local.expressions.Json;
import io.lgbmops.local.expressions.Parameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The pipeline as {@code cdk deploy} ships it: the {@code AWS::SageMaker::Pipeline} resource of
 * the synthesized templates in {@code cdk.out}. Its definition body holds CloudFormation
 * intrinsics for names CloudFormation makes up at deploy time (buckets, role, key, image, function);
 * they are resolved here to local stand-ins the way CloudFormation would resolve them to real ones:
 * {@code Ref}, {@code Fn::GetAtt}, {@code Fn::Join}, {@code Fn::Sub}, {@code Fn::Select},
 * {@code Fn::Split}, {@code Fn::ImportValue}, {@code Fn::FindInMap}, {@code Fn::If}.
 */
final class CdkTemplate {

    static final String PIPELINE_TYPE = "AWS::SageMaker::Pipeline";
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}!][^}]*)}");

    /** One stack's template. */
    record Stack(String name, Path file, JsonNode template) {
        JsonNode resources() {
            return template.path("Resources");
        }
    }

    private final List<Stack> stacks;
    private final Path cdkOut;

    private CdkTemplate(Path cdkOut, List<Stack> stacks) {
        this.cdkOut = cdkOut;
        this.stacks = List.copyOf(stacks);
    }

    static CdkTemplate read(Path cdkOut) {
        if (!Files.isDirectory(cdkOut)) {
            throw new RunnerOptions.UsageException("no cdk.out directory at " + cdkOut + "; run `npx cdk synth` first");
        }
        List<Stack> stacks = new ArrayList<>();
        try (Stream<Path> files = Files.walk(cdkOut, 3)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".template.json")).sorted().toList()) {
                String name = file.getFileName().toString().replace(".template.json", "");
                stacks.add(new Stack(name, file, Json.read(file)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CdkTemplate(cdkOut, stacks);
    }

    static boolean hasPipeline(Path cdkOut) {
        return Files.isDirectory(cdkOut) && !read(cdkOut).pipelines().isEmpty();
    }

    List<Map.Entry<Stack, String>> pipelines() {
        List<Map.Entry<Stack, String>> found = new ArrayList<>();
        for (Stack stack : stacks) {
            stack.resources().properties().forEach(resource -> {
                if (PIPELINE_TYPE.equals(resource.getValue().path("Type").asText())) {
                    found.add(Map.entry(stack, resource.getKey()));
                }
            });
        }
        return found;
    }

    static DefinitionSource load(Path cdkOut, Optional<String> stackName) {
        return load(cdkOut, stackName, RunnerOptions.TRAINING);
    }

    /**
     * {@code pipeline}: without a stack name, the monitoring pipeline is the one in a {@code -Monitor}
     * stack and the batch pipeline the one in a {@code -Batch} stack.
     */
    static DefinitionSource load(Path cdkOut, Optional<String> stackName, String pipeline) {
        return read(cdkOut).definitionSource(stackName, pipeline);
    }

    DefinitionSource definitionSource(Optional<String> stackName, String pipeline) {
        List<Map.Entry<Stack, String>> candidates = pipelines().stream()
                .filter(p -> stackName.isEmpty() || p.getKey().name().equals(stackName.get()))
                .filter(p -> stackName.isPresent() || pipelineKind(p.getKey().name()).equals(pipeline))
                .toList();
        if (candidates.isEmpty()) {
            throw new RunnerOptions.UsageException("no " + PIPELINE_TYPE + " in " + cdkOut
                    + stackName.map(s -> " stack " + s).orElse("") + "; stacks: " + stacks.stream().map(Stack::name).toList());
        }
        if (candidates.size() > 1 && stackName.isEmpty()) {
            List<Map.Entry<Stack, String>> dev = candidates.stream()
                    .filter(c -> c.getKey().name().toLowerCase(Locale.ROOT).contains("-dev-")).toList();
            if (dev.size() == 1) {
                candidates = dev;
            }
        }
        if (candidates.size() > 1) {
            throw new RunnerOptions.UsageException("several pipelines in " + cdkOut + ": "
                    + candidates.stream().map(c -> c.getKey().name() + "/" + c.getValue()).toList() + "; pick one with --stack");
        }
        Stack stack = candidates.get(0).getKey();
        String logicalId = candidates.get(0).getValue();
        JsonNode properties = stack.resources().path(logicalId).path("Properties");
        JsonNode body = properties.path("PipelineDefinition").path("PipelineDefinitionBody");
        if (body.isMissingNode()) {
            throw new RunnerOptions.UsageException(stack.name() + "/" + logicalId
                    + " has no PipelineDefinition.PipelineDefinitionBody (an S3 location is not supported locally)");
        }
        JsonNode resolvedBody = resolve(stack, body);
        JsonNode definition = resolvedBody.isTextual() ? Json.read(resolvedBody.asText()) : resolvedBody;
        Optional<String> pipelineName = properties.has("PipelineName")
                ? Optional.of(resolve(stack, properties.get("PipelineName")).asText()) : Optional.empty();
        Map<String, String> staticFiles = bucketDeployments();
        return new DefinitionSource(definition, stack.file() + " (" + logicalId + ")", pipelineName, staticFiles,
                lambdaEnvironments(), lambdaCode());
    }

    /** The pipeline a stage's stack holds, by the stack's name: each kind has a stack of its own. */
    static String pipelineKind(String stackName) {
        if (stackName.endsWith("-Monitor")) {
            return RunnerOptions.MONITORING;
        }
        return stackName.endsWith("-Batch") ? RunnerOptions.BATCH : RunnerOptions.TRAINING;
    }

    /** Every Lambda function (and alias) whose code is a staged jar asset in cdk.out, by local ARN. */
    Map<String, Path> lambdaCode() {
        Map<String, Path> code = new LinkedHashMap<>();
        forEachFunction((stack, logicalId, arns) -> {
            JsonNode key = stack.resources().path(logicalId).path("Properties").path("Code").path("S3Key");
            if (key.isMissingNode()) {
                return;
            }
            Path asset = cdkOut.resolve("asset." + Json.text(resolve(stack, key)));
            if (Files.isRegularFile(asset)) {
                arns.forEach(arn -> code.put(arn, asset));
            }
        });
        return code;
    }

    private interface FunctionVisitor {
        void visit(Stack stack, String logicalId, List<String> arns);
    }

    /** Each function with its ARN and the ARNs of its aliases (what a Lambda step may invoke). */
    private void forEachFunction(FunctionVisitor visitor) {
        for (Stack stack : stacks) {
            stack.resources().properties().forEach(resource -> {
                if (!"AWS::Lambda::Function".equals(resource.getValue().path("Type").asText())) {
                    return;
                }
                String functionArn = attribute(stack, resource.getKey(), "Arn").asText();
                List<String> arns = new ArrayList<>(List.of(functionArn));
                stack.resources().properties().forEach(other -> {
                    JsonNode properties = other.getValue().path("Properties");
                    if ("AWS::Lambda::Alias".equals(other.getValue().path("Type").asText())
                            && resource.getKey().equals(properties.path("FunctionName").path("Ref").asText())) {
                        arns.add(ref(stack, other.getKey()).asText());
                    }
                });
                visitor.visit(stack, resource.getKey(), arns);
            });
        }
    }

    /** Every Lambda function's environment, resolved, by its local ARN. */
    Map<String, Map<String, String>> lambdaEnvironments() {
        Map<String, Map<String, String>> environments = new LinkedHashMap<>();
        forEachFunction((stack, logicalId, arns) -> {
            JsonNode variables = stack.resources().path(logicalId).path("Properties").path("Environment").path("Variables");
            Map<String, String> environment = new LinkedHashMap<>();
            variables.properties().forEach(v -> environment.put(v.getKey(), Json.text(resolve(stack, v.getValue()))));
            arns.forEach(arn -> environments.put(arn, environment));
        });
        return environments;
    }

    /**
     * Files the CDK's BucketDeployment custom resources copy into buckets: their staged asset
     * directories in cdk.out, by destination URI.
     */
    Map<String, String> bucketDeployments() {
        Map<String, String> files = new LinkedHashMap<>();
        for (Stack stack : stacks) {
            stack.resources().properties().forEach(resource -> {
                if (!"Custom::CDKBucketDeployment".equals(resource.getValue().path("Type").asText())) {
                    return;
                }
                JsonNode properties = resource.getValue().path("Properties");
                String bucket = Json.text(resolve(stack, properties.path("DestinationBucketName")));
                String prefix = properties.has("DestinationBucketKeyPrefix")
                        ? Json.text(resolve(stack, properties.get("DestinationBucketKeyPrefix"))) : "";
                for (JsonNode key : properties.path("SourceObjectKeys")) {
                    String hash = Json.text(resolve(stack, key)).replace(".zip", "");
                    Path assetDir = cdkOut.resolve("asset." + hash);
                    if (!Files.isDirectory(assetDir)) {
                        continue;
                    }
                    try (Stream<Path> walk = Files.walk(assetDir)) {
                        for (Path file : walk.filter(Files::isRegularFile).toList()) {
                            String relative = assetDir.relativize(file).toString().replace('\\', '/');
                            String keyPath = prefix.isEmpty() ? relative : prefix.replaceAll("/+$", "") + "/" + relative;
                            files.put("s3://" + bucket + "/" + keyPath, Files.readString(file));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        }
        return files;
    }

    // --- intrinsic functions ----------------------------------------------------------------------

    JsonNode resolve(Stack stack, JsonNode node) {
        if (node.isArray()) {
            ArrayNode copy = Json.array();
            for (JsonNode element : node) {
                JsonNode resolved = resolve(stack, element);
                if (resolved != null) {
                    copy.add(resolved);
                }
            }
            return copy;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.size() == 1) {
            String function = node.fieldNames().next();
            JsonNode argument = node.get(function);
            switch (function) {
                case "Ref":
                    return ref(stack, argument.asText());
                case "Fn::GetAtt": {
                    List<String> parts = argument.isArray()
                            ? List.of(argument.get(0).asText(), resolve(stack, argument.get(1)).asText())
                            : List.of(argument.asText().split("\\.", 2));
                    return attribute(stack, parts.get(0), parts.get(1));
                }
                case "Fn::Join": {
                    String separator = argument.get(0).asText();
                    List<String> parts = new ArrayList<>();
                    resolve(stack, argument.get(1)).forEach(part -> parts.add(Json.text(part)));
                    return Json.nodes().textNode(String.join(separator, parts));
                }
                case "Fn::Sub":
                    return sub(stack, argument);
                case "Fn::Select": {
                    int index = resolve(stack, argument.get(0)).asInt();
                    return resolve(stack, argument.get(1)).get(index);
                }
                case "Fn::Split": {
                    String separator = argument.get(0).asText();
                    ArrayNode parts = Json.array();
                    for (String part : Json.text(resolve(stack, argument.get(1))).split(Pattern.quote(separator), -1)) {
                        parts.add(part);
                    }
                    return parts;
                }
                case "Fn::ImportValue":
                    return importValue(Json.text(resolve(stack, argument)));
                case "Fn::FindInMap": {
                    JsonNode value = stack.template().path("Mappings").path(Json.text(resolve(stack, argument.get(0))))
                            .path(Json.text(resolve(stack, argument.get(1)))).path(Json.text(resolve(stack, argument.get(2))));
                    if (value.isMissingNode()) {
                        throw new IllegalArgumentException("Fn::FindInMap " + argument + " has no value in " + stack.name());
                    }
                    return value;
                }
                case "Fn::If": {
                    boolean holds = condition(stack, stack.template().path("Conditions").path(argument.get(0).asText()));
                    return resolve(stack, argument.get(holds ? 1 : 2));
                }
                default:
                    if (function.startsWith("Fn::")) {
                        throw new IllegalArgumentException("intrinsic " + function + " is not supported locally (in " + stack.name() + ")");
                    }
            }
        }
        ObjectNode copy = Json.object();
        node.properties().forEach(field -> {
            JsonNode resolved = resolve(stack, field.getValue());
            if (resolved != null) {
                copy.set(field.getKey(), resolved);
            }
        });
        return copy;
    }

    private boolean condition(Stack stack, JsonNode condition) {
        if (condition.has("Condition")) {
            return condition(stack, stack.template().path("Conditions").path(condition.get("Condition").asText()));
        }
        String function = condition.fieldNames().next();
        JsonNode argument = condition.get(function);
        return switch (function) {
            case "Fn::Equals" -> Json.text(resolve(stack, argument.get(0))).equals(Json.text(resolve(stack, argument.get(1))));
            case "Fn::Not" -> !condition(stack, argument.get(0));
            case "Fn::And" -> {
                boolean all = true;
                for (JsonNode c : argument) {
                    all &= condition(stack, c);
                }
                yield all;
            }
            case "Fn::Or" -> {
                boolean any = false;
                for (JsonNode c : argument) {
                    any |= condition(stack, c);
                }
                yield any;
            }
            default -> throw new IllegalArgumentException("condition function " + function + " is not supported locally");
        };
    }

    private JsonNode sub(Stack stack, JsonNode argument) {
        String text = argument.isArray() ? argument.get(0).asText() : argument.asText();
        Map<String, String> variables = new LinkedHashMap<>();
        if (argument.isArray() && argument.size() > 1) {
            argument.get(1).properties().forEach(v -> variables.put(v.getKey(), Json.text(resolve(stack, v.getValue()))));
        }
        Matcher matcher = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String value = variables.containsKey(name) ? variables.get(name)
                    : name.contains(".") && !name.startsWith("AWS::")
                    ? Json.text(attribute(stack, name.substring(0, name.indexOf('.')), name.substring(name.indexOf('.') + 1)))
                    : Json.text(ref(stack, name));
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return Json.nodes().textNode(out.toString().replace("${!", "${"));
    }

    private JsonNode importValue(String exportName) {
        for (Stack stack : stacks) {
            for (var entry : stack.template().path("Outputs").properties()) {
                JsonNode output = entry.getValue();
                JsonNode name = output.path("Export").path("Name");
                if (!name.isMissingNode() && Json.text(resolve(stack, name)).equals(exportName)) {
                    return resolve(stack, output.get("Value"));
                }
            }
        }
        throw new IllegalArgumentException("Fn::ImportValue: no stack in " + cdkOut + " exports " + exportName);
    }

    private JsonNode ref(Stack stack, String name) {
        var nodes = Json.nodes();
        switch (name) {
            case "AWS::Region":
                return nodes.textNode(AwsClients.REGION.id());
            case "AWS::AccountId":
                return nodes.textNode(AwsClients.ACCOUNT_ID);
            case "AWS::Partition":
                return nodes.textNode("aws");
            case "AWS::URLSuffix":
                return nodes.textNode("amazonaws.com");
            case "AWS::StackName":
                return nodes.textNode(stack.name());
            case "AWS::NoValue":
                return null;
            default:
                break;
        }
        JsonNode parameter = stack.template().path("Parameters").path(name);
        if (!parameter.isMissingNode()) {
            JsonNode fallback = parameter.get("Default");
            if (fallback == null) {
                throw new IllegalArgumentException("template parameter " + name + " of " + stack.name() + " has no Default");
            }
            return fallback;
        }
        JsonNode resource = stack.resources().path(name);
        if (resource.isMissingNode()) {
            throw new IllegalArgumentException("Ref " + name + ": no such resource or parameter in " + stack.name());
        }
        if ("AWS::Lambda::Alias".equals(resource.path("Type").asText())) {
            JsonNode properties = resource.path("Properties");
            String function = Json.text(resolve(stack, properties.path("FunctionName")));
            String functionArn = function.startsWith("arn:") ? function
                    : "arn:aws:lambda:" + AwsClients.REGION.id() + ":" + AwsClients.ACCOUNT_ID + ":function:" + function;
            return nodes.textNode(functionArn + ":" + Json.text(resolve(stack, properties.path("Name"))));
        }
        return nodes.textNode(physicalName(stack, name, resource));
    }

    private JsonNode attribute(Stack stack, String logicalId, String attribute) {
        JsonNode resource = stack.resources().path(logicalId);
        if (resource.isMissingNode()) {
            throw new IllegalArgumentException("Fn::GetAtt " + logicalId + "." + attribute + ": no such resource in " + stack.name());
        }
        String type = resource.path("Type").asText();
        String name = physicalName(stack, logicalId, resource);
        String region = AwsClients.REGION.id();
        String account = AwsClients.ACCOUNT_ID;
        String value = switch (type + "." + attribute) {
            case "AWS::S3::Bucket.Arn" -> "arn:aws:s3:::" + name;
            case "AWS::S3::Bucket.DomainName", "AWS::S3::Bucket.RegionalDomainName" -> name + ".s3.amazonaws.com";
            case "AWS::KMS::Key.Arn" -> "arn:aws:kms:" + region + ":" + account + ":key/" + name;
            case "AWS::KMS::Key.KeyId" -> name;
            case "AWS::IAM::Role.Arn" -> "arn:aws:iam::" + account + ":role/" + name;
            case "AWS::IAM::Role.RoleId" -> "AROA" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
            case "AWS::Lambda::Function.Arn" -> "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
            case "AWS::ECR::Repository.Arn" -> "arn:aws:ecr:" + region + ":" + account + ":repository/" + name;
            case "AWS::ECR::Repository.RepositoryUri" -> account + ".dkr.ecr." + region + ".amazonaws.com/" + name;
            case "AWS::SageMaker::ModelPackageGroup.ModelPackageGroupArn" ->
                    "arn:aws:sagemaker:" + region + ":" + account + ":model-package-group/" + name;
            case "AWS::SageMaker::Pipeline.PipelineArn" ->
                    "arn:aws:sagemaker:" + region + ":" + account + ":pipeline/" + name.toLowerCase(Locale.ROOT);
            case "AWS::Lambda::Version.Version" -> "1";
            default -> {
                if (type.startsWith("Custom::") && attribute.endsWith("ImageUri")) {
                    yield account + ".dkr.ecr." + region + ".amazonaws.com/" + name.toLowerCase(Locale.ROOT) + ":local";
                }
                if (attribute.equals("Arn") || attribute.endsWith("Arn")) {
                    String service = type.split("::")[1].toLowerCase(Locale.ROOT);
                    String kind = type.split("::")[2].toLowerCase(Locale.ROOT);
                    yield "arn:aws:" + service + ":" + region + ":" + account + ":" + kind + "/" + name;
                }
                if (attribute.endsWith("Name") || attribute.endsWith("Id")) {
                    yield name;
                }
                throw new IllegalArgumentException("Fn::GetAtt " + logicalId + "." + attribute + " (" + type
                        + ") has no local value");
            }
        };
        return Json.nodes().textNode(value);
    }

    /**
     * The name a resource has locally: the name its template gives it, else one derived from stack
     * and logical ID as CloudFormation would generate one (lower case for buckets, <= 63 chars).
     */
    private String physicalName(Stack stack, String logicalId, JsonNode resource) {
        String type = resource.path("Type").asText();
        JsonNode properties = resource.path("Properties");
        String property = switch (type) {
            case "AWS::S3::Bucket" -> "BucketName";
            case "AWS::IAM::Role" -> "RoleName";
            case "AWS::Lambda::Function" -> "FunctionName";
            case "AWS::ECR::Repository" -> "RepositoryName";
            case "AWS::SageMaker::ModelPackageGroup" -> "ModelPackageGroupName";
            case "AWS::SageMaker::Pipeline" -> "PipelineName";
            case "AWS::KMS::Key" -> "";
            default -> "";
        };
        if (!property.isEmpty() && properties.has(property)) {
            return Json.text(resolve(stack, properties.get(property)));
        }
        if (type.equals("AWS::KMS::Key")) {
            return uuidOf(stack.name() + "/" + logicalId);
        }
        String generated = (stack.name() + "-" + logicalId);
        if (type.equals("AWS::S3::Bucket") || type.equals("AWS::ECR::Repository")) {
            generated = generated.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        }
        return generated.length() > 63 ? generated.substring(0, 63).replaceAll("-+$", "") : generated;
    }

    private static String uuidOf(String seed) {
        return java.util.UUID.nameUUIDFromBytes(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }
}
