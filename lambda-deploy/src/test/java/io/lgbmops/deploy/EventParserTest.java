package io.lgbmops.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Parsing alone, without AWS: what each input shape becomes. */
class EventParserTest {

    private static final String ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/lgbm-census/3";
    private final EventParser parser = new EventParser(DeployHandler.MAPPER,
            DeployConfig.fromEnvironment(DeployFixture.environment()));

    private EventParser.Invocation parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parse_whenPipelineCountIsString_acceptsIt() {
        EventParser.Invocation invocation = parse("{\"model_package_arn\": \"" + ARN
                + "\", \"endpoint_name\": \"lgbm-census\", \"instance_type\": \"ml.c5.xlarge\","
                + " \"initial_instance_count\": \"2\"}");

        DeployRequest request = assertInstanceOf(EventParser.Invocation.Deploy.class, invocation).request();
        assertEquals(2, request.initialInstanceCount());
        assertEquals("ml.c5.xlarge", request.instanceType());
        assertEquals(DeployRequest.Source.PIPELINE, request.source());
    }

    @Test
    void parse_whenPipelineOmitsOptionalArguments_usesConfiguredDefaults() {
        DeployRequest request = assertInstanceOf(EventParser.Invocation.Deploy.class,
                parse("{\"model_package_arn\": \"" + ARN + "\"}")).request();

        assertEquals("lgbm-census", request.endpointName());
        assertEquals("ml.m5.large", request.instanceType());
        assertEquals(1, request.initialInstanceCount());
    }

    @Test
    void parse_whenApprovedPackageEvent_usesConfiguredInstanceSettings() {
        DeployRequest request = assertInstanceOf(EventParser.Invocation.Deploy.class,
                parse(DeployFixture.approvedEvent(ARN))).request();

        assertEquals(ARN, request.modelPackageArn());
        assertEquals(DeployRequest.Source.MODEL_PACKAGE_EVENT, request.source());
    }

    @Test
    void parse_whenPendingApprovalEvent_returnsNotApproved() {
        EventParser.Invocation invocation =
                parse(DeployFixture.packageEvent("lgbm-census", ARN, "PendingManualApproval"));

        assertEquals("PendingManualApproval",
                assertInstanceOf(EventParser.Invocation.NotApproved.class, invocation).approvalStatus());
    }

    @Test
    void parse_whenTrailingGarbage_failsAsInvalidJson() {
        InvalidEventException error = assertThrows(InvalidEventException.class,
                () -> parse("{\"model_package_arn\": \"" + ARN + "\"} trailing"));

        assertEquals("$", error.field());
    }

    @Test
    void parse_whenCountOutOfRange_namesCountField() {
        InvalidEventException error = assertThrows(InvalidEventException.class,
                () -> parse("{\"model_package_arn\": \"" + ARN + "\", \"initial_instance_count\": 0}"));

        assertEquals("initial_instance_count", error.field());
    }

    @Test
    void parse_whenDetailIsNotObject_namesDetail() {
        InvalidEventException error = assertThrows(InvalidEventException.class, () -> parse(
                "{\"detail-type\": \"SageMaker Model Package State Change\", \"source\": \"aws.sagemaker\","
                        + " \"detail\": \"oops\"}"));

        assertEquals("detail", error.field());
    }

    @Test
    void parse_whenEndpointEventForOtherEndpoint_namesEndpointField() {
        InvalidEventException error = assertThrows(InvalidEventException.class,
                () -> parse(DeployFixture.endpointEvent("someone-else", "IN_SERVICE")));

        assertEquals("detail.EndpointName", error.field());
    }

    @Test
    void parse_whenOperation_readsItsVersionAndReason() {
        EventParser.Invocation.VariantOperation promote = assertInstanceOf(EventParser.Invocation.VariantOperation.class,
                parse("{\"operation\": \"promote\", \"model_package_version\": \"7\", \"endpoint_name\": \"lgbm-census\"}"));
        EventParser.Invocation.VariantOperation rollback = assertInstanceOf(EventParser.Invocation.VariantOperation.class,
                parse("{\"operation\": \"rollback\", \"reason\": \"lgbm-census-challenger-5xx\"}"));

        assertEquals(new EventParser.Invocation.VariantOperation(EventParser.Operation.PROMOTE, 7, null), promote);
        assertEquals(new EventParser.Invocation.VariantOperation(EventParser.Operation.ROLLBACK, null,
                "lgbm-census-challenger-5xx"), rollback);
    }

    @Test
    void failsParse_whenOperationIsMalformed_namingTheField() {
        assertEquals("model_package_version", assertThrows(InvalidEventException.class,
                () -> parse("{\"operation\": \"rollback\", \"model_package_version\": 0}")).field());
        assertEquals("endpoint_name", assertThrows(InvalidEventException.class,
                () -> parse("{\"operation\": \"rollback\", \"endpoint_name\": \"other\"}")).field());
        assertEquals("weight", assertThrows(InvalidEventException.class,
                () -> parse("{\"operation\": \"promote\", \"model_package_version\": 2, \"weight\": 50}")).field());
        InvalidEventException unknown = assertThrows(InvalidEventException.class,
                () -> parse("{\"operation\": \"PROMOTE\", \"model_package_version\": 2}"));
        assertEquals("operation", unknown.field());
        assertEquals("must be \"promote\", \"rollback\" or \"resolve-package\", got \"PROMOTE\"",
                unknown.getMessage().substring(unknown.getMessage().indexOf("must")));
    }
}
