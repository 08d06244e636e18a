package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/** {@code resolve-package} against moto: which package a pipeline gets, and what it reports. */
class PackageResolverIntegrationTest {

    @RegisterExtension
    static final EmulatorExtension EMULATOR = new EmulatorExtension();

    private static final String MISSING = "s3://" + DeployFixture.BUCKET + "/markers/missing-report.json";

    private final DeployFixture fixture = EMULATOR.fixture();

    private static String resolve(String arn, boolean required) {
        return "{\"operation\": \"resolve-package\", \"model_package_group\": \"" + DeployFixture.GROUP
                + "\", \"model_package_arn\": \"" + arn + "\", \"required\": \"" + required
                + "\", \"missing_report_uri\": \"" + MISSING + "\"}";
    }

    private JsonNode invoke(String payload) {
        return DeployFixture.invoke(fixture.handler(), payload);
    }

    @Test
    void resolve_whenArnEmpty_returnsLatestApprovedWithItsContainerAndReports() {
        fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);
        String latestApproved = fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);
        fixture.registerPackage(0.9, ModelApprovalStatus.PENDING_MANUAL_APPROVAL);
        fixture.registerPackage(0.9, ModelApprovalStatus.REJECTED);
        fixture.clearRecordedCalls();

        JsonNode out = invoke(resolve("", true));

        assertEquals("true", out.get("Found").textValue());
        assertEquals(latestApproved, out.get("ModelPackageArn").textValue());
        assertEquals(DeployFixture.IMAGE, out.get("ImageUri").textValue());
        assertEquals(DeployFixture.MODEL_DATA, out.get("ModelDataUrl").textValue());
        assertEquals("s3://" + DeployFixture.BUCKET + "/" + DeployFixture.reportKey(2),
                out.get("EvaluationReportUri").textValue());
        // The fixture's packages record no bias or explainability report.
        assertEquals(MISSING, out.get("BiasReportUri").textValue());
        assertEquals(MISSING, out.get("ExplainabilityReportUri").textValue());
        assertTrue(out.get("Reason").textValue().contains("version 2"), out::toString);
        assertEquals(List.of("SageMaker.ListModelPackages", "SageMaker.DescribeModelPackage"),
                fixture.proxy.operations());
    }

    @Test
    void resolve_everyOutputIsAString() {
        fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);

        JsonNode out = invoke(resolve("", false));

        assertEquals(List.of("Found", "ModelPackageArn", "ModelDataUrl", "ImageUri", "BiasReportUri",
                "ExplainabilityReportUri", "EvaluationReportUri", "Reason"), fieldNames(out));
        out.elements().forEachRemaining(v -> assertTrue(v.isTextual(), out::toString));
    }

    @Test
    void resolve_whenPackageHasAllReports_returnsEachReportUri() {
        String arn = fixture.direct.sageMaker().createModelPackage(r -> r
                .modelPackageGroupName(DeployFixture.GROUP)
                .modelApprovalStatus(ModelApprovalStatus.APPROVED)
                .inferenceSpecification(i -> i
                        .containers(c -> c.image(DeployFixture.IMAGE).modelDataUrl(DeployFixture.MODEL_DATA))
                        .supportedContentTypes("text/csv").supportedResponseMIMETypes("text/csv"))
                .modelMetrics(m -> m
                        .modelQuality(q -> q.statistics(s -> s.contentType("application/json").s3Uri("s3://b/evaluation.json")))
                        .bias(b -> b.postTrainingReport(s -> s.contentType("application/json").s3Uri("s3://b/bias.json")))
                        .explainability(e -> e.report(s -> s.contentType("application/json").s3Uri("s3://b/explainability.json")))))
                .modelPackageArn();

        JsonNode out = invoke(resolve(arn, true));

        assertEquals("s3://b/evaluation.json", out.get("EvaluationReportUri").textValue());
        assertEquals("s3://b/bias.json", out.get("BiasReportUri").textValue());
        assertEquals("s3://b/explainability.json", out.get("ExplainabilityReportUri").textValue());
    }

    @Test
    void resolve_whenArnNamesAnOlderApprovedVersion_returnsThatVersion() {
        String first = fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);
        fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);

        JsonNode out = invoke(resolve(first, true));

        assertEquals("true", out.get("Found").textValue());
        assertEquals(first, out.get("ModelPackageArn").textValue());
    }

    @Test
    void resolve_whenNothingApprovedAndNotRequired_reportsNotFoundWithMarkerReports() {
        fixture.registerPackage(0.8, ModelApprovalStatus.PENDING_MANUAL_APPROVAL);

        JsonNode out = invoke(resolve("", false));

        assertEquals("false", out.get("Found").textValue());
        assertEquals("", out.get("ModelPackageArn").textValue());
        assertEquals("", out.get("ImageUri").textValue());
        assertEquals("", out.get("ModelDataUrl").textValue());
        assertEquals(MISSING, out.get("EvaluationReportUri").textValue());
        assertEquals(MISSING, out.get("BiasReportUri").textValue());
        assertEquals(MISSING, out.get("ExplainabilityReportUri").textValue());
        assertEquals("no Approved model package in group " + DeployFixture.GROUP, out.get("Reason").textValue());
    }

    @Test
    void failsResolve_whenNothingApprovedAndRequired_namingTheGroup() {
        fixture.registerPackage(0.8, ModelApprovalStatus.REJECTED);

        DeployFailedException e = assertThrows(DeployFailedException.class, () -> invoke(resolve("", true)));

        assertEquals("resolve-package: no Approved model package in group " + DeployFixture.GROUP, e.getMessage());
        assertTrue(fixture.noMutatingCalls(), fixture.proxy.operations()::toString);
    }

    @Test
    void failsResolve_whenNamedPackageIsNotApprovedAndRequired_namingGroupAndStatus() {
        fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);
        String pending = fixture.registerPackage(0.8, ModelApprovalStatus.PENDING_MANUAL_APPROVAL);

        DeployFailedException e = assertThrows(DeployFailedException.class, () -> invoke(resolve(pending, true)));

        assertEquals("resolve-package: model package " + pending + " of group " + DeployFixture.GROUP
                + " is PendingManualApproval, not Approved", e.getMessage());
    }

    @Test
    void resolve_whenNamedPackageIsNotApprovedAndNotRequired_saysWhy() {
        String rejected = fixture.registerPackage(0.8, ModelApprovalStatus.REJECTED);

        JsonNode out = invoke(resolve(rejected, false));

        assertEquals("false", out.get("Found").textValue());
        assertTrue(out.get("Reason").textValue().endsWith("is Rejected, not Approved"), out::toString);
    }

    @Test
    void resolve_whenNamedPackageIsInAnotherGroup_isNotFound() {
        fixture.direct.sageMaker().createModelPackageGroup(r -> r.modelPackageGroupName("other-group"));
        String other = fixture.direct.sageMaker().createModelPackage(r -> r
                .modelPackageGroupName("other-group")
                .modelApprovalStatus(ModelApprovalStatus.APPROVED)
                .inferenceSpecification(i -> i
                        .containers(c -> c.image(DeployFixture.IMAGE).modelDataUrl(DeployFixture.MODEL_DATA))
                        .supportedContentTypes("text/csv").supportedResponseMIMETypes("text/csv")))
                .modelPackageArn();

        JsonNode out = invoke(resolve(other, false));
        DeployFailedException e = assertThrows(DeployFailedException.class, () -> invoke(resolve(other, true)));

        assertEquals("false", out.get("Found").textValue());
        assertEquals("model package " + other + " is not in group " + DeployFixture.GROUP, out.get("Reason").textValue());
        assertTrue(e.getMessage().contains("group " + DeployFixture.GROUP), e::getMessage);
    }

    @Test
    void resolve_whenNamedPackageDoesNotExist_isNotFound() {
        String absent = "arn:aws:sagemaker:us-east-1:123456789012:model-package/" + DeployFixture.GROUP + "/42";

        JsonNode out = invoke(resolve(absent, false));

        assertEquals("false", out.get("Found").textValue());
        assertEquals("model package " + absent + " does not exist", out.get("Reason").textValue());
    }

    @Test
    void failsResolve_whenGroupIsNotTheFunctionsOwn_beforeAnyCall() {
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> invoke(
                resolve("", true).replace("\"" + DeployFixture.GROUP + "\"", "\"other-group\"")));

        assertEquals("model_package_group", e.field());
        assertEquals(List.of(), fixture.proxy.operations());
    }

    @Test
    void failsResolve_whenRequiredIsNotABoolean() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> invoke(resolve("", true).replace("\"required\": \"true\"", "\"required\": \"yes\"")));

        assertEquals("required", e.field());
    }

    @Test
    void failsResolve_whenFieldUnknownOrReportMarkerNotS3() {
        InvalidEventException unknown = assertThrows(InvalidEventException.class,
                () -> invoke(resolve("", true).replace("\"required\"", "\"endpoint_name\": \"x\", \"required\"")));
        InvalidEventException marker = assertThrows(InvalidEventException.class,
                () -> invoke(resolve("", true).replace(MISSING, "/tmp/missing.json")));

        assertEquals("endpoint_name", unknown.field());
        assertEquals("missing_report_uri", marker.field());
    }

    @Test
    void resolve_logsOneLineWithTheOutputs() {
        fixture.registerPackage(0.8, ModelApprovalStatus.APPROVED);

        invoke(resolve("", true));

        assertTrue(fixture.logs().contains("\"event\":\"package_resolved\""), fixture::logs);
        assertTrue(fixture.logs().contains("\"Found\":\"true\""), fixture::logs);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
