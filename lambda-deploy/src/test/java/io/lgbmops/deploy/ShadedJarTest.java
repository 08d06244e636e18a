package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.deploy.LocalInvokeProcess.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/**
 * The Lambda asset itself (shaded, minimized, SageMaker model trimmed), run in a child JVM with
 * nothing else on its classpath, through every path the handler has: create, update with a new
 * instance type, no-op, clean-up, autoscaling on an endpoint event, gate refusal, invalid input,
 * a service error and throttling that outlasts the retries. Runs in the package phase, after the
 * jar is built (see the pom); a class trimmed by mistake shows up here as NoClassDefFoundError.
 */
class ShadedJarTest {

    private static final Path JAR = Path.of(System.getProperty("lambda.jar", "target/lambda-deploy.jar"));
    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private final DeployFixture fixture = EMULATOR.fixture();

    @TempDir
    Path work;

    @Test
    void jar_always_holdsNoNettyApacheOrSignatureFiles() throws IOException {
        int forbidden = 0;
        try (ZipFile zip = new ZipFile(JAR.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.contains("netty") || name.startsWith("org/apache/") || name.matches("META-INF/.*\\.(SF|RSA|DSA)")) {
                    forbidden++;
                }
            }
            assertTrue(zip.getEntry("io/lgbmops/deploy/DeployHandler.class") != null);
        }
        assertEquals(0, forbidden);
        assertTrue(Files.size(JAR) < 20_000_000, () -> JAR + " is " + JAR.toFile().length() + " bytes");
    }

    @Test
    void localInvoke_whenRunFromShadedJar_coversEveryHandlerPath() throws Exception {
        Map<String, String> keepOne = Map.of("KEEP_LAST_VERSIONS", "1");
        String first = fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED);
        assertEquals("DEPLOYED", status(run(DeployFixture.approvedEvent(first), keepOne)));

        String second = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        JsonNode updated = result(run(DeployFixture.pipelineArguments(second, "ml.m5.xlarge"), keepOne));
        assertEquals("UPDATED", updated.path("status").asText(), updated::toString);
        assertEquals(1, fixture.proxy.count("AnyScaleFrontendService.DeregisterScalableTarget"));
        JsonNode unchanged = result(run(DeployFixture.approvedEvent(second), keepOne));
        assertEquals("UNCHANGED", unchanged.path("status").asText(), unchanged::toString);
        assertEquals(2, unchanged.path("deleted").size(), unchanged::toString);

        String third = fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED);
        assertEquals("UPDATED", status(run(DeployFixture.approvedEvent(third), keepOne)));
        assertEquals(2, fixture.endpointConfigs().size());
        assertEquals(2, fixture.models().size());

        assertEquals("AUTOSCALING_APPLIED", status(run(DeployFixture.endpointEvent(DeployFixture.ENDPOINT,
                "IN_SERVICE"), keepOne)));
        String weak = fixture.registerPackage(0.2, ModelApprovalStatus.APPROVED);
        assertEquals("GATE_FAILED", status(run(DeployFixture.approvedEvent(weak), keepOne)));
        assertEquals(2, run("{\"model_package_arn\": 1}", keepOne).exitCode());

        String strict = fixture.registerPackage("0.75", Map.of("f1_threshold", "0.8"), ModelApprovalStatus.APPROVED);
        JsonNode refused = result(run("{\"model_package_arn\": \"" + strict + "\", \"f1_threshold\": \"0.7\"}", keepOne));
        assertEquals("GATE_FAILED", refused.path("status").asText(), refused::toString);
        assertEquals(0.8, refused.path("f1_threshold").asDouble(), 1e-9, refused::toString);
        String squatted = fixture.registerPackage(0.9, ModelApprovalStatus.APPROVED);
        String squattedModel = DeployFixture.plan(squatted, 6).modelName();
        fixture.direct.sageMaker().createModel(r -> r.modelName(squattedModel).executionRoleArn(DeployFixture.ROLE)
                .primaryContainer(c -> c.image("123456789012.dkr.ecr.us-east-1.amazonaws.com/other:1")
                        .modelDataUrl(DeployFixture.MODEL_DATA)));
        Run notOurs = run(DeployFixture.approvedEvent(squatted), keepOne);
        assertEquals(4, notOurs.exitCode(), notOurs::toString);
        assertTrue(notOurs.stdout().contains("already exists but runs image"), notOurs::toString);

        String fourth = fixture.registerPackage(0.73, ModelApprovalStatus.APPROVED);
        fixture.proxy.failNext(UpdateEndpointEmulator.OPERATION, 1, FaultInjectingProxy.Reply.awsJsonError(400,
                "ValidationException", "Endpoint config is invalid"));
        Run rejected = run(DeployFixture.approvedEvent(fourth), keepOne);
        assertEquals(4, rejected.exitCode(), rejected::toString);
        fixture.proxy.failAlways("SageMaker.DescribeModelPackage",
                FaultInjectingProxy.Reply.awsJsonError(400, "ThrottlingException", "Rate exceeded"));
        Run throttled = run(DeployFixture.approvedEvent(fourth), keepOne);
        assertEquals(3, throttled.exitCode(), throttled::toString);
        assertTrue(throttled.stdout().contains("RetryableDeployException"), throttled::toString);
    }

    @Test
    void localInvoke_whenRunFromShadedJar_coversVariantPaths() throws Exception {
        fixture.reset();
        Map<String, String> shadow = Map.of("DEPLOYMENT_MODE", "SHADOW", "SHADOW_SAMPLING_PERCENT", "50");
        Map<String, String> ab = Map.of("DEPLOYMENT_MODE", "AB", "CHALLENGER_WEIGHT_PERCENT", "20");
        assertEquals("DEPLOYED", status(run(DeployFixture.approvedEvent(
                fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED)), shadow)));
        assertEquals("VARIANT_ADDED", status(run(DeployFixture.approvedEvent(
                fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED)), shadow)));
        assertEquals("AUTOSCALING_APPLIED", status(run(DeployFixture.endpointEvent(DeployFixture.ENDPOINT,
                "IN_SERVICE"), shadow)));
        assertEquals("PROMOTED", status(run("{\"operation\": \"promote\", \"model_package_version\": 2}", shadow)));
        assertEquals("VARIANT_ADDED", status(run(DeployFixture.approvedEvent(
                fixture.registerPackage(0.72, ModelApprovalStatus.APPROVED)), ab)));
        JsonNode rolledBack = result(run("{\"operation\": \"rollback\"}", ab));
        assertEquals("ROLLED_BACK", rolledBack.path("status").asText(), rolledBack::toString);
        assertEquals(2, rolledBack.path("model_package_version").asInt(), rolledBack::toString);
    }

    @Test
    void localInvoke_whenRunFromShadedJar_resolvesTheLatestApprovedPackage() throws Exception {
        fixture.reset();
        fixture.registerPackage(0.70, ModelApprovalStatus.APPROVED);
        String latest = fixture.registerPackage(0.71, ModelApprovalStatus.APPROVED);
        String event = "{\"operation\": \"resolve-package\", \"model_package_group\": \"" + DeployFixture.GROUP
                + "\", \"model_package_arn\": \"\", \"required\": \"true\","
                + " \"missing_report_uri\": \"s3://" + DeployFixture.BUCKET + "/missing.json\"}";

        JsonNode resolved = result(run(event, Map.of()));

        assertEquals("true", resolved.path("Found").asText(), resolved::toString);
        assertEquals(latest, resolved.path("ModelPackageArn").asText(), resolved::toString);
    }

    private static String status(Run run) throws IOException {
        return result(run).path("status").asText();
    }

    private static JsonNode result(Run run) throws IOException {
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(!run.stderr().contains("NoClassDefFoundError") && !run.stderr().contains("VerifyError"),
                run::toString);
        return DeployFixture.JSON.readTree(run.stdout());
    }

    private Run run(String event, Map<String, String> overrides) throws IOException, InterruptedException {
        Map<String, String> settings = new HashMap<>(DeployFixture.environment());
        settings.putAll(overrides);
        return LocalInvokeProcess.run(work, JAR.toString(), List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto"), settings, fixture.proxy.endpoint(), event);
    }
}
