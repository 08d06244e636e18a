package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.Variants;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointConfigSummary;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelSummary;

/**
 * Emulator, proxy and seed data for the integration tests: moto on a free port, the
 * fault-injecting proxy in front of it (with the UpdateEndpoint stand-in installed), clients
 * that talk to moto directly (to seed and to check) and handlers whose clients go through the
 * proxy (so every call is recorded and can be failed).
 */
final class DeployFixture implements AutoCloseable {

    static final String GROUP = "lgbm-census";
    static final String ENDPOINT = "lgbm-census";
    static final String ROLE = "arn:aws:iam::123456789012:role/lgbmops-sagemaker-execution";
    static final String KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    static final String BUCKET = "lgbmops-artifacts";
    static final String IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lgbmops:latest";
    static final String MODEL_DATA = "s3://" + BUCKET + "/model/model.tar.gz";
    static final List<String> ALARMS = List.of("lgbm-census-5xx", "lgbm-census-latency");

    static final ObjectMapper JSON = new ObjectMapper();
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));

    final MotoServer moto;
    final FaultInjectingProxy proxy;
    /** Straight to moto: seeding and assertions, never recorded. */
    final AwsClients direct;
    /** Through the proxy: what the code under test uses. */
    final AwsClients viaProxy;
    /** Keeps the shadow variants moto drops; survives {@link #clearRecordedCalls()}, emptied by {@link #reset()}. */
    final ShadowVariantEmulator shadows;
    private final AtomicInteger reports = new AtomicInteger();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    private DeployFixture(MotoServer moto) {
        this.moto = moto;
        this.proxy = FaultInjectingProxy.start(moto.endpoint());
        this.direct = AwsClients.forEndpoint(moto.endpoint(), Region.US_EAST_1, CREDENTIALS);
        this.viaProxy = AwsClients.forEndpoint(proxy.endpoint(), Region.US_EAST_1, CREDENTIALS);
        this.shadows = new ShadowVariantEmulator(direct);
    }

    static DeployFixture start() {
        MotoServer moto = MotoServer.start();
        try {
            DeployFixture fixture = new DeployFixture(moto);
            fixture.reset();
            return fixture;
        } catch (RuntimeException e) {
            moto.close();
            throw e;
        }
    }

    /** Empty emulator, no recorded calls, the UpdateEndpoint stand-in installed, bucket and group created. */
    void reset() {
        moto.reset();
        proxy.reset();
        logs.reset();
        reports.set(0);
        shadows.clear();
        installEmulators();
        direct.s3().createBucket(r -> r.bucket(BUCKET));
        direct.sageMaker().createModelPackageGroup(r -> r.modelPackageGroupName(GROUP));
    }

    /** Forgets recorded calls and test-specific proxy rules; keeps the emulator's state. */
    void clearRecordedCalls() {
        proxy.reset();
        installEmulators();
    }

    private void installEmulators() {
        shadows.install(proxy);
        UpdateEndpointEmulator.install(proxy, direct, shadows);
    }

    /**
     * Where the pipeline's Evaluate step writes the report of run {@code run}
     * ({@code pipeline-runs/<execution>/Evaluate/evaluation/evaluation.json}): the deploy role may read only there.
     */
    static String reportKey(int run) {
        return "pipeline-runs/execution-" + run + "/Evaluate/evaluation/evaluation.json";
    }

    static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("MODEL_PACKAGE_GROUP_NAME", GROUP);
        env.put("ENDPOINT_NAME", ENDPOINT);
        env.put("EXECUTION_ROLE_ARN", ROLE);
        env.put("KMS_KEY_ID", KMS_KEY);
        env.put("MIN_F1_THRESHOLD", "0.5");
        env.put("AUTOSCALING_MIN_CAPACITY", "1");
        env.put("AUTOSCALING_MAX_CAPACITY", "3");
        env.put("AUTOSCALING_TARGET_INVOCATIONS", "120");
        env.put("ROLLBACK_ALARM_NAMES", String.join(",", ALARMS));
        return env;
    }

    DeployHandler handler() {
        return handler(Map.of());
    }

    DeployHandler handler(Map<String, String> overrides) {
        Map<String, String> env = environment();
        env.putAll(overrides);
        return new DeployHandler(viaProxy, DeploySettings.fromEnvironment(env),
                new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    /** Runs one invocation and returns the result JSON. */
    static JsonNode invoke(DeployHandler handler, String payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(payload.getBytes(StandardCharsets.UTF_8)), out, null);
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logs() {
        return logs.toString(StandardCharsets.UTF_8);
    }

    /** Registers a new version in the group, with an evaluation report holding {@code f1}. */
    String registerPackage(double f1, ModelApprovalStatus status) {
        return registerPackage(Double.toString(f1), Map.of(), status);
    }

    /**
     * Registers a new version whose evaluation report has {@code f1Json} (JSON text, e.g.
     * {@code 0.7}, {@code NaN}, {@code "0.7"}) as classification_metrics.f1.value, with
     * {@code metadata} as its CustomerMetadataProperties.
     */
    String registerPackage(String f1Json, Map<String, String> metadata, ModelApprovalStatus status) {
        String key = reportKey(reports.incrementAndGet());
        String report = "{\"classification_metrics\": {\"f1\": {\"value\": " + f1Json + "}, "
                + "\"precision\": {\"value\": 0.7}, \"recall\": {\"value\": 0.7}}}";
        direct.s3().putObject(r -> r.bucket(BUCKET).key(key).contentType("application/json"),
                RequestBody.fromString(report));
        return direct.sageMaker().createModelPackage(r -> r
                .modelPackageGroupName(GROUP)
                .modelApprovalStatus(status)
                .customerMetadataProperties(metadata.isEmpty() ? null : metadata)
                .inferenceSpecification(i -> i
                        .containers(c -> c.image(IMAGE).modelDataUrl(MODEL_DATA))
                        .supportedContentTypes("text/csv")
                        .supportedResponseMIMETypes("text/csv"))
                .modelMetrics(m -> m.modelQuality(q -> q.statistics(s -> s
                        .contentType("application/json")
                        .s3Uri("s3://" + BUCKET + "/" + key)))))
                .modelPackageArn();
    }

    /** The names the handler plans for {@code arn} (version {@code version}) with the fixture's environment. */
    static DeployTranslator.Plan plan(String arn, int version) {
        DeploySettings config = DeploySettings.fromEnvironment(environment());
        return new DeployTranslator(config).plan(new DeployRequest(DeployRequest.Source.PIPELINE, arn, ENDPOINT,
                config.instanceType(), config.initialInstanceCount(), null), version);
    }

    void approve(String arn) {
        direct.sageMaker().updateModelPackage(r -> r.modelPackageArn(arn)
                .modelApprovalStatus(ModelApprovalStatus.APPROVED));
    }

    static String pipelineArguments(String arn) {
        return "{\"model_package_arn\": \"" + arn + "\", \"endpoint_name\": \"" + ENDPOINT
                + "\", \"instance_type\": \"ml.m5.large\", \"initial_instance_count\": \"1\"}";
    }

    static String pipelineArguments(String arn, String instanceType) {
        return "{\"model_package_arn\": \"" + arn + "\", \"endpoint_name\": \"" + ENDPOINT
                + "\", \"instance_type\": \"" + instanceType + "\", \"initial_instance_count\": 1}";
    }

    static String packageEvent(String group, String arn, String status) {
        return "{\"version\": \"0\", \"id\": \"6a7e8feb-b491-4cf7-a9f1-bf3703467718\","
                + " \"detail-type\": \"SageMaker Model Package State Change\", \"source\": \"aws.sagemaker\","
                + " \"account\": \"123456789012\", \"time\": \"2025-11-22T10:00:00Z\", \"region\": \"us-east-1\","
                + " \"resources\": [\"" + arn + "\"],"
                + " \"detail\": {\"ModelPackageGroupName\": \"" + group + "\", \"ModelPackageArn\": \"" + arn + "\","
                + " \"ModelPackageVersion\": 1, \"ModelApprovalStatus\": \"" + status + "\","
                + " \"ModelPackageStatus\": \"Completed\"}}";
    }

    static String approvedEvent(String arn) {
        return packageEvent(GROUP, arn, "Approved");
    }

    static String endpointEvent(String endpointName, String status) {
        return "{\"version\": \"0\", \"detail-type\": \"SageMaker Endpoint State Change\", \"source\": \"aws.sagemaker\","
                + " \"detail\": {\"EndpointName\": \"" + endpointName + "\", \"EndpointStatus\": \"" + status + "\"}}";
    }

    /**
     * Version 1 deployed by {@code payload} (an approval event or pipeline arguments for its ARN),
     * version 2 registered but not yet deployed, the calls so far forgotten: returns version 2's ARN.
     */
    String liveAndNext(DeployHandler handler, Function<String, String> payload) {
        invoke(handler, payload.apply(registerPackage(0.70, ModelApprovalStatus.APPROVED)));
        String next = registerPackage(0.71, ModelApprovalStatus.APPROVED);
        clearRecordedCalls();
        return next;
    }

    /** The name of the endpoint config the endpoint runs, straight from moto. */
    String liveEndpointConfigName() {
        return direct.sageMaker().describeEndpoint(r -> r.endpointName(ENDPOINT)).endpointConfigName();
    }

    /** The endpoint config the endpoint runs, straight from moto. */
    DescribeEndpointConfigResponse liveEndpointConfig() {
        String name = liveEndpointConfigName();
        return direct.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(name));
    }

    List<EndpointConfigSummary> endpointConfigs() {
        return direct.sageMaker().listEndpointConfigs(r -> r.maxResults(100)).endpointConfigs();
    }

    List<ModelSummary> models() {
        return direct.sageMaker().listModels(r -> r.maxResults(100)).models();
    }

    int endpointCount() {
        return direct.sageMaker().listEndpoints(r -> r.maxResults(100)).endpoints().size();
    }

    List<ScalableTarget> scalableTargets() {
        return direct.autoscaling().describeScalableTargets(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER))
                .scalableTargets();
    }

    List<ScalingPolicy> scalingPolicies() {
        return direct.autoscaling().describeScalingPolicies(r -> r
                .serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(DeployTranslator.scalableResourceId(ENDPOINT, Variants.CHAMPION))
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT))
                .scalingPolicies();
    }

    /** True when the code under test made no call that creates, changes or deletes anything. */
    boolean noMutatingCalls() {
        return proxy.operations().stream().noneMatch(op -> op.matches(
                ".*\\.(Create|Update|Delete|Register|Deregister|Put)[A-Za-z]*"));
    }

    @Override
    public void close() {
        viaProxy.close();
        direct.close();
        proxy.close();
        moto.close();
    }
}
