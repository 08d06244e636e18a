package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.BatchPipeline;
import io.lgbmops.pipeline.PipelineValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class BatchStackTest {
    private static StageFixture fixture;
    private static Template template;
    private static Map<String, Object> pipeline;
    private static JsonNode definition;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void synthesizeDevBatchPipeline() throws Exception {
        fixture = new StageFixture();
        template = Template.fromStack(fixture.dev.batch);
        pipeline = (Map<String, Object>) template.findResources("AWS::SageMaker::Pipeline", Map.of())
                .values().iterator().next().get("Properties");
        definition = new ObjectMapper().readTree(fixture.dev.batch.definition().toCompactJson());
    }

    @Test
    void stack_holdsTheBatchPipelineOnly_soTheRunnerFindsOnePipelinePerTemplate() {
        template.resourceCountIs("AWS::SageMaker::Pipeline", 1);
        assertEquals("lgbmops-dev-batch", pipeline.get("PipelineName"));
        assertEquals(1, Template.fromStack(fixture.dev.pipeline).findResources("AWS::SageMaker::Pipeline", Map.of()).size());
    }

    @Test
    void pipeline_runsAsItsOwnRole_notTheTrainingPipelinesRole() {
        template.resourceCountIs("AWS::IAM::Role", 1);
        template.hasResourceProperties("AWS::IAM::Role", Map.of("AssumeRolePolicyDocument", Map.of("Statement", List.of(
                Match.objectLike(Map.of("Principal", Map.of("Service", "sagemaker.amazonaws.com")))))));
        assertEquals(Map.of("Fn::GetAtt", List.of(logicalId("AWS::IAM::Role"), "Arn")), pipeline.get("RoleArn"));
    }

    @Test
    void definition_isTheValidatedBatchPipelineOfTheStage() {
        assertEquals(List.of(), PipelineValidator.problems(definition));
        List<String> steps = new ArrayList<>();
        definition.path("Steps").forEach(step -> steps.add(step.path("Name").asText()));
        assertEquals(BatchPipeline.STEP_NAMES, steps);
        String inputUri = parameter(BatchPipeline.INPUT_DATA_URI).path("DefaultValue").asText();
        assertTrue(inputUri.matches("s3://lgbmops-dev-read-.*/batch/census/"), inputUri);
    }

    @Test
    void definitionBody_isWiredToTheStagesRolesKeyImageAndDeployAlias() {
        String body = pipeline.get("PipelineDefinition").toString();

        assertTrue(body.contains("ModelRole"), "the scoring model runs as the model role");
        assertTrue(body.contains("JobRole"), "Select runs as the job role");
        assertTrue(body.contains("DataKey"), "transform volume and output encrypted with the stage key");
        assertTrue(body.contains("Live"), "the deploy function's live alias");
        assertFalse(body.contains("${Token["), "an unresolved token leaked into the definition");
    }

    @Test
    void transform_encryptsVolumeAndOutputWithTheStageKey() {
        JsonNode score = step(BatchPipeline.SCORE).path("Arguments");

        assertFalse(score.path("TransformOutput").path("KmsKeyId").asText().isEmpty(), score.toString());
        assertEquals(score.path("TransformOutput").path("KmsKeyId"), score.path("TransformResources").path("VolumeKmsKeyId"));
    }

    @Test
    void pipelineRole_mayRunOnlyTheBatchStepsAndPassOnlyTheModelAndJobRolesToSageMaker() {
        Map<String, Object> passedToSageMaker = Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com"));
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                Match.objectLike(Map.of("Sid", "ResolvePackage", "Action", "lambda:InvokeFunction")),
                Match.objectLike(Map.of("Sid", "ScoringModel", "Action", List.of("sagemaker:CreateModel", "sagemaker:DescribeModel"))),
                Match.objectLike(Map.of("Sid", "StartTransformJobs", "Action", "sagemaker:CreateTransformJob")),
                Match.objectLike(Map.of("Sid", "PassModelAndJobRoles", "Action", "iam:PassRole", "Condition", passedToSageMaker,
                        "Resource", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp("JobRole")),
                                Map.of("Fn::ImportValue", Match.stringLikeRegexp("ModelRole"))))))))));
        String policies = template.findResources("AWS::IAM::Policy", Map.of()).toString();
        assertFalse(policies.contains("CreateModelPackage") || policies.contains("CreateEndpoint")
                || policies.contains("CreateHyperParameterTuningJob"), policies);
        assertFalse(policies.matches("(?s).*sagemaker:[a-z-]+/\\*.*"), "no SageMaker resource without the pipelines- prefix");
    }

    @Test
    void pipelineRole_startsOnlyTransformJobsWhoseVolumeAndOutputTheStageKeyEncrypts() {
        Map<String, Object> stageKey = Map.of("Fn::ImportValue", Match.stringLikeRegexp("DataKey"));
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                Match.objectLike(Map.of("Sid", "StartTransformJobs", "Condition", Map.of("ArnEquals", Map.of(
                        "sagemaker:VolumeKmsKey", stageKey, "sagemaker:OutputKmsKey", stageKey)))))))));
    }

    @Test
    void modelRole_readsOnlyTheBatchInputAndWritesOnlyTheScoreOutput() {
        String access = template.findResources("AWS::IAM::Policy", Map.of("Properties", Map.of(
                "Roles", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp("ModelRole")))))).toString();

        assertTrue(access.contains("-read-") && access.contains("/batch/*"), access);
        assertTrue(access.contains("/pipeline-runs/*/Score/scores/*"), access);
        assertTrue(access.contains("kms:GrantIsForAWSResource"), access);
        assertTrue(access.contains("/aws/sagemaker/TransformJobs:*"), access);
        assertFalse(access.contains("s3:DeleteObject") || access.contains("-write-<AWS::AccountId>-<AWS::Region>/*,"), access);
    }

    @Test
    void pipeline_waitsForItsPermissions() {
        template.hasResource("AWS::SageMaker::Pipeline", Map.of("DependsOn", Match.arrayWith(List.of(
                Match.stringLikeRegexp("ModelRoleTransformAccess.*"), Match.stringLikeRegexp("PipelinePermissions.*")))));
    }

    private static String logicalId(String type) {
        return template.findResources(type, Map.of()).keySet().iterator().next();
    }

    private static JsonNode step(String name) {
        for (JsonNode step : definition.path("Steps")) {
            if (step.path("Name").asText().equals(name)) {
                return step;
            }
        }
        throw new AssertionError("no step " + name);
    }

    private static JsonNode parameter(String name) {
        for (JsonNode parameter : definition.path("Parameters")) {
            if (parameter.path("Name").asText().equals(name)) {
                return parameter;
            }
        }
        throw new AssertionError("no parameter " + name);
    }
}
