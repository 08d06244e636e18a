package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.infra.config.AppConfig;
import io.lgbmops.pipeline.ClarifyImage;
import io.lgbmops.pipeline.Explainability;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.PipelineValidator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * A stage with {@code "explainability": "clarify"}: the pipeline runs SageMaker Clarify's checks,
 * the roles may do what Clarify does, and the whole app still passes cdk-nag and cfn-lint.
 */
class ClarifyPipelineStackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static App app;
    private static PipelineStack pipeline;
    private static Template template;

    @BeforeAll
    static void synthesizeClarifyStage() {
        Map<String, Object> context = TestApps.contextWithDev(Map.of("explainability", "clarify"));
        context.put("stage", "dev");
        app = TestApps.newApp(context);
        AppConfig config = TestApps.config(app);
        assertEquals(Explainability.CLARIFY, config.stages().get(0).explainability());
        List<Stack> stacks = LgbmOpsApp.build(app, config, new SourcePaths(TestApps.REPO_ROOT));
        pipeline = (PipelineStack) stacks.stream().filter(PipelineStack.class::isInstance).findFirst().orElseThrow();
        template = Template.fromStack(pipeline);
    }

    @Test
    void definition_runsTheClarifyChecksAndValidates() throws Exception {
        JsonNode definition = JSON.readTree(pipeline.definition().toCompactJson());

        assertEquals(List.of(), PipelineValidator.problems(definition));
        String body = definition.toString();
        assertTrue(body.contains("\"Type\":\"ClarifyCheck\""), body.substring(0, 300));
        assertTrue(body.contains(LightGbmPipeline.CLARIFY_BIAS) && body.contains(LightGbmPipeline.CREATE_MODEL));
        assertFalse(body.contains("\"Name\":\"" + LightGbmPipeline.EXPLAIN + "\""));
    }

    @Test
    void clarifyImage_isLookedUpByTheDeploymentRegion() {
        // cdk.json names no region: the image comes from a mapping of every region Clarify is in.
        Map<String, Map<String, Object>> mappings = template.findMappings("*", Map.of());
        assertEquals(1, mappings.size(), mappings.toString());
        Map<String, Object> rows = mappings.values().iterator().next();
        assertEquals(ClarifyImage.REGISTRY_ACCOUNTS.size(), rows.size());
        assertEquals(Map.of("uri", ClarifyImage.uriFor("ap-northeast-3")), rows.get("ap-northeast-3"));
    }

    @Test
    void jobRole_mayStartAndCallTheShadowEndpoint() {
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement",
                Match.arrayWith(List.of(Match.objectLike(Map.of("Sid", "ClarifyShadowEndpoints",
                        "Action", Match.arrayWith(List.of("sagemaker:CreateEndpoint", "sagemaker:InvokeEndpoint")))))))));
    }

    @Test
    void pipelineRole_mayCreateTheModelAndPassTheModelRoleToSageMakerOnly() {
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement",
                Match.arrayWith(List.of(
                        Match.objectLike(Map.of("Sid", "ClarifyModels",
                                "Action", Match.arrayWith(List.of("sagemaker:CreateModel")))),
                        Match.objectLike(Map.of("Sid", "PassModelRole", "Action", "iam:PassRole",
                                "Condition", Map.of("StringEquals",
                                        Map.of("iam:PassedToService", "sagemaker.amazonaws.com")))))))));
    }

    @Test
    void wholeApp_passesAwsSolutionsChecksAndCfnLint() throws Exception {
        // AwsSolutionsChecks (added by build) fails synth on any unacknowledged finding.
        List<Path> templates = CfnLint.templates(Path.of(app.synth().getDirectory()));
        assertFalse(templates.isEmpty());

        assertEquals("", CfnLint.run(templates).findings());
    }
}
