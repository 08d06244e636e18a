package io.lgbmops.deploy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.crac.Core;
import org.crac.Resource;

/**
 * Lambda entry point ({@code io.lgbmops.deploy.DeployHandler}). A thin adapter: parse the event,
 * hand it to {@link DeployService}, log the decision, write the result JSON.
 *
 * <p>Errors escape as one of three types so the caller can react: {@link InvalidEventException}
 * (don't retry), {@link RetryableDeployException} (deliver again; EventBridge's asynchronous
 * retries and the dead-letter queue do), {@link DeployFailedException} (needs a person).
 *
 * <p>SnapStart: the handler registers itself as a CRaC resource and, before the snapshot, runs
 * the parser, translator and JSON writer on sample input so their classes are loaded and warm
 * in the snapshot. It calls no AWS API then.
 */
public final class DeployHandler implements RequestStreamHandler, Resource {

    /** Lambda's limit for an asynchronous payload. */
    static final int MAX_PAYLOAD_BYTES = 256 * 1024;

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    /** Created once per execution environment and reused by every invocation. */
    private static final class DefaultClients {
        static final AwsClients INSTANCE = AwsClients.fromEnvironment();
    }

    private final DeploySettings config;
    private final EventParser parser;
    private final DeployTranslator translator;
    private final DeployService service;
    private final PackageResolver resolver;
    private final MonitorOperations monitor;
    private final DecisionLog log;

    /** Used by the Lambda runtime: environment configuration, shared clients, logs to stdout. */
    public DeployHandler() {
        this(DefaultClients.INSTANCE, DeploySettings.fromEnvironment(System.getenv()), System.out);
        Core.getGlobalContext().register(this);
    }

    /** Tests and {@link LocalInvoke} pass their own clients (pointed at the emulator) and log stream. */
    DeployHandler(AwsClients clients, DeploySettings config, PrintStream logStream) {
        DeployContext context = DeployContext.of(clients, config, MAPPER, logStream);
        this.config = config;
        this.parser = new EventParser(MAPPER, config);
        this.translator = context.translator();
        this.log = context.log();
        this.service = new DeployService(context);
        this.resolver = new PackageResolver(clients.sageMaker());
        this.monitor = new MonitorOperations(context, java.time.Clock.systemUTC());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String requestId = context == null ? null : context.getAwsRequestId();
        try {
            EventParser.Invocation invocation = parser.parse(readPayload(input));
            if (invocation instanceof EventParser.Invocation.ResolvePackage resolve) {
                ResolvedPackage resolved = resolver.resolve(resolve.request());
                log.info(requestId, "package_resolved", resolved.outputs());
                writeOutputs(output, resolved.outputs());
                return;
            }
            if (invocation instanceof EventParser.Invocation.Monitoring monitoring) {
                java.util.Map<String, String> result = monitor.handle(monitoring.request());
                log.info(requestId, "monitor_decision", result);
                MAPPER.writeValue(output, result);
                return;
            }
            DeployResult result = service.handle(invocation, requestId);
            log.decision(requestId, result);
            writeResult(output, result);
        } catch (DeployException e) {
            log.failure(requestId, e);
            throw e;
        }
    }

    private static void writeResult(OutputStream output, DeployResult result) throws IOException {
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(output)) {
            json.writeStartObject();
            result.writeFields(json);
            json.writeEndObject();
        }
    }

    private static void writeOutputs(OutputStream output, java.util.Map<String, String> outputs) throws IOException {
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(output)) {
            json.writeStartObject();
            for (java.util.Map.Entry<String, String> field : outputs.entrySet()) {
                json.writeStringField(field.getKey(), field.getValue());
            }
            json.writeEndObject();
        }
    }

    private static byte[] readPayload(InputStream input) throws IOException {
        byte[] payload = input.readNBytes(MAX_PAYLOAD_BYTES + 1);
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException("$", "is larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        return payload;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: the SDK re-resolves credentials after restore on its own.
    }

    /** Exercises parsing, planning and serialisation on sample input, and sets up TLS; no network. */
    void prime() {
        try {
            javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
        String arn = "arn:aws:sagemaker:us-east-1:000000000000:model-package/"
                + config.modelPackageGroupName() + "/1";
        String pipeline = "{\"model_package_arn\":\"" + arn + "\",\"endpoint_name\":\"" + config.endpointName()
                + "\",\"instance_type\":\"" + config.instanceType() + "\",\"initial_instance_count\":\"1\",\"f1_threshold\":0.9}";
        String event = "{\"detail-type\":\"" + EventParser.MODEL_PACKAGE_STATE_CHANGE + "\",\"source\":\""
                + EventParser.SOURCE + "\",\"detail\":{\"ModelPackageGroupName\":\"" + config.modelPackageGroupName()
                + "\",\"ModelPackageArn\":\"" + arn + "\",\"ModelApprovalStatus\":\"Approved\"}}";
        parser.parse("{\"operation\":\"rollback\",\"model_package_version\":1}".getBytes(StandardCharsets.UTF_8));
        parser.parse(("{\"operation\":\"resolve-package\",\"model_package_group\":\"" + config.modelPackageGroupName()
                + "\",\"model_package_arn\":\"\",\"required\":\"true\",\"missing_report_uri\":\"s3://bucket/missing.json\"}")
                .getBytes(StandardCharsets.UTF_8));
        for (String sample : new String[] {pipeline, event}) {
            EventParser.Invocation invocation = parser.parse(sample.getBytes(StandardCharsets.UTF_8));
            if (invocation instanceof EventParser.Invocation.Deploy deploy) {
                DeployTranslator.Plan plan = translator.plan(deploy.request(), 1);
                translator.describeModelPackage(arn);
                translator.createModel(plan);
                translator.createEndpointConfig(plan);
                translator.createEndpoint(plan);
                translator.updateEndpoint(plan, false);
                translator.registerScalableTarget(plan.endpointName(), Variants.CHAMPION);
                translator.putScalingPolicy(plan.endpointName(), Variants.CHAMPION);
                translator.describeScalableTarget(plan.endpointName(), Variants.CHAMPION);
                translator.deregisterScalableTarget(plan.endpointName(), Variants.CHAMPION);
                translator.createEndpointConfig(translator.variantPlan(plan,
                        translator.createEndpointConfig(plan).productionVariants().get(0)));
                translator.updateEndpointVariants(plan.endpointName(), plan.endpointConfigName(), false);
                translator.getEvaluationReport("s3://bucket/evaluation/evaluation.json");
                try {
                    writeResult(new java.io.ByteArrayOutputStream(),
                            DeployResult.of(DeployStatus.UNCHANGED, plan.endpointName(), "priming"));
                    MAPPER.readTree("{\"classification_metrics\":{\"f1\":{\"value\":0.5}}}");
                } catch (IOException e) {
                    throw new IllegalStateException("priming JSON failed", e);
                }
            }
        }
    }
}
