package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.infra.config.AppConfig;
import io.lgbmops.infra.config.StageConfig;
import io.lgbmops.pipeline.MonitorPipeline;
import io.lgbmops.pipeline.PipelineValidator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The monitoring pipeline, its schedule, the drift alarms and the retraining rule, per stage setting. */
class MonitorStackTest {
    private static LgbmOpsApp.StageStacks dev;
    private static LgbmOpsApp.StageStacks prod;
    private static Template devTemplate;
    private static Template prodTemplate;

    @BeforeAll
    static void synthesize() {
        App app = TestApps.newApp();
        AppConfig config = TestApps.config(app);
        SourcePaths sources = new SourcePaths(TestApps.REPO_ROOT);
        dev = new LgbmOpsApp.StageStacks(app, config.stages().get(0), sources);
        prod = new LgbmOpsApp.StageStacks(app, config.stages().get(1), sources);
        devTemplate = Template.fromStack(dev.monitor);
        prodTemplate = Template.fromStack(prod.monitor);
    }

    @Test
    void pipeline_isTheValidatedMonitorDefinitionRunningAsItsOwnRole() {
        assertEquals(List.of(), PipelineValidator.problems(dev.monitor.definition()));
        devTemplate.hasResourceProperties("AWS::SageMaker::Pipeline", Map.of(
                "PipelineName", "lgbmops-dev-monitor",
                "RoleArn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("MonitorPipelineRole.*"), "Arn"))));
        String body = devTemplate.findResources("AWS::SageMaker::Pipeline", Map.of()).values().iterator().next()
                .get("Properties").toString();
        assertTrue(body.contains("\\\"EnableNetworkIsolation\\\":true") || body.contains("\"EnableNetworkIsolation\":true"), body);
        assertFalse(body.contains("${Token["), "an unresolved token leaked into the definition");
    }

    @Test
    void pipelineRole_mayRunTheMonitorJobInvokeTheDeployFunctionAndPassTheJobRoleOnly() {
        Map<String, Map<String, Object>> bySid = new java.util.HashMap<>();
        for (Map<String, Object> statement : statements(devTemplate)) {
            if (statement.get("Sid") != null) {
                bySid.put(statement.get("Sid").toString(), statement);
            }
        }

        assertEquals(java.util.Set.of("MonitorJob", "InvokeDeployFunction", "PassJobRole"), bySid.keySet());
        assertTrue(bySid.get("MonitorJob").get("Resource").toString().contains(":processing-job/pipelines-*"),
                bySid.get("MonitorJob")::toString);
        assertEquals("lambda:InvokeFunction", bySid.get("InvokeDeployFunction").get("Action"));
        assertTrue(bySid.get("InvokeDeployFunction").get("Resource").toString().contains("DeployFunctionArn")
                || bySid.get("InvokeDeployFunction").get("Resource").toString().contains("Live"),
                bySid.get("InvokeDeployFunction")::toString);
        assertEquals(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")),
                bySid.get("PassJobRole").get("Condition"));
    }

    @Test
    void schedule_startsOnlyTheMonitorPipelineWithTheStageWindow() {
        devTemplate.hasResourceProperties("AWS::Scheduler::Schedule", Map.of(
                "ScheduleExpression", "rate(1 day)",
                "FlexibleTimeWindow", Map.of("Mode", "OFF"),
                "Target", Match.objectLike(Map.of(
                        "SageMakerPipelineParameters", Map.of("PipelineParameterList",
                                List.of(Map.of("Name", MonitorPipeline.WINDOW_HOURS, "Value", "24")))))));
        prodTemplate.hasResourceProperties("AWS::Scheduler::Schedule", Map.of("ScheduleExpression", "cron(0 6 * * ? *)"));
        List<Map<String, Object>> starts = statements(devTemplate).stream()
                .filter(s -> "sagemaker:StartPipelineExecution".equals(s.get("Action"))).toList();
        assertEquals(1, starts.size(), starts::toString);
        assertTrue(starts.get(0).get("Resource").toString().contains(":pipeline/lgbmops-dev-monitor"), starts::toString);
        assertFalse(starts.get(0).get("Resource").toString().contains("*"), starts::toString);
        assertTrue(devTemplate.toJSON().toString().contains("scheduler.amazonaws.com"));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> statements(Template template) {
        List<Map<String, Object>> all = new java.util.ArrayList<>();
        for (Map<String, Object> policy : template.findResources("AWS::IAM::Policy", Map.of()).values()) {
            Map<String, Object> properties = (Map<String, Object>) policy.get("Properties");
            Map<String, Object> document = (Map<String, Object>) properties.get("PolicyDocument");
            all.addAll((List<Map<String, Object>>) document.get("Statement"));
        }
        return all;
    }

    @Test
    void driftAlarms_watchTheTwoDriftFiguresWithTheStageLimits() {
        prodTemplate.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "lgbmops-prod-endpoint-drift-max-feature-psi",
                "Namespace", MonitorPipeline.METRICS_NAMESPACE,
                "MetricName", "MaxFeaturePSI",
                "Dimensions", List.of(Map.of("Name", "EndpointName", "Value", "lgbmops-prod-endpoint")),
                "Threshold", 0.2, "EvaluationPeriods", 2, "DatapointsToAlarm", 2, "Period", 86400,
                "ComparisonOperator", "GreaterThanThreshold", "TreatMissingData", "ignore"));
        prodTemplate.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "AlarmName", "lgbmops-prod-endpoint-drift-prediction-psi", "MetricName", "PredictionPSI", "Threshold", 0.25));
        devTemplate.resourceCountIs("AWS::CloudWatch::Alarm", 2);
    }

    @Test
    void retrainRule_onlyWhereTheStageRetrains_sendsTheAlarmToTheRateLimitedRetrain() {
        Template.fromStack(dev.deploy).resourcePropertiesCountIs("AWS::Events::Rule",
                Map.of("EventPattern", Match.objectLike(Map.of("source", List.of("aws.cloudwatch")))), 0);
        Template.fromStack(prod.deploy).hasResourceProperties("AWS::Events::Rule", Map.of(
                "EventPattern", Map.of(
                        "source", List.of("aws.cloudwatch"),
                        "detail-type", List.of("CloudWatch Alarm State Change"),
                        "detail", Map.of("alarmName", List.of("lgbmops-prod-endpoint-drift-max-feature-psi",
                                "lgbmops-prod-endpoint-drift-prediction-psi"), "state", Map.of("value", List.of("ALARM")))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "InputTransformer", Match.objectLike(Map.of(
                                "InputTemplate", Match.stringLikeRegexp(".*\"operation\":\"retrain\".*"))))))));
    }

    @Test
    void deployFunction_getsCaptureAndRetrainSettingsAndOnlyTheirPermissions() {
        Template prodDeploy = Template.fromStack(prod.deploy);
        prodDeploy.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(Map.of(
                "DATA_CAPTURE_SAMPLING_PERCENT", "20",
                "METRICS_NAMESPACE", MonitorPipeline.METRICS_NAMESPACE,
                "TRAINING_PIPELINE_NAME", "lgbmops-prod-pipeline",
                "RETRAIN_MIN_HOURS", "72")))));
        List<Map<String, Object>> prodStatements = statements(prodDeploy);
        assertTrue(prodStatements.contains(Map.of("Action", "cloudwatch:PutMetricData", "Effect", "Allow", "Resource", "*",
                "Condition", Map.of("StringEquals", Map.of("cloudwatch:namespace", MonitorPipeline.METRICS_NAMESPACE)))),
                prodStatements::toString);
        assertTrue(prodStatements.stream().anyMatch(s -> s.get("Action").equals(
                List.of("sagemaker:ListPipelineExecutions", "sagemaker:StartPipelineExecution"))
                && s.get("Resource").toString().contains(":pipeline/lgbmops-prod-pipeline")), prodStatements::toString);
        // describe-live: lists only the endpoint's captures, writes only its capture manifests.
        Map<String, Object> list = prodStatements.stream().filter(s -> "s3:ListBucket".equals(s.get("Action")))
                .findFirst().orElseThrow(() -> new AssertionError(prodStatements.toString()));
        assertEquals(Map.of("StringLike", Map.of("s3:prefix", "datacapture/lgbmops-prod-endpoint/*")), list.get("Condition"));
        List<Map<String, Object>> puts = prodStatements.stream().filter(s -> "s3:PutObject".equals(s.get("Action"))).toList();
        assertEquals(1, puts.size(), prodStatements::toString);
        assertTrue(puts.get(0).get("Resource").toString()
                .contains("/monitoring/capture-manifests/lgbmops-prod-endpoint/*"), puts::toString);
        Template devDeploy = Template.fromStack(dev.deploy);
        devDeploy.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(Map.of(
                "DATA_CAPTURE_SAMPLING_PERCENT", "100",
                "TRAINING_PIPELINE_NAME", Match.absent())))));
        assertFalse(devDeploy.toJSON().toString().contains("StartPipelineExecution"), "dev does not retrain");
    }

    @Test
    void modelRole_mayWriteOnlyTheEndpointsCapturePrefix() {
        List<Map<String, Object>> platform = statements(Template.fromStack(dev.platform));
        List<Map<String, Object>> puts = platform.stream().filter(s -> "s3:PutObject".equals(s.get("Action"))).toList();
        assertEquals(1, puts.size(), platform::toString);
        assertTrue(puts.get(0).get("Resource").toString().contains("/datacapture/lgbmops-dev-endpoint/*"), puts::toString);
    }

    @Test
    void stage_withoutCapture_hasNoMonitorStackAndNoCaptureSettings() {
        App app = TestApps.newApp();
        Map<String, Object> stages = new java.util.LinkedHashMap<>();
        stages.put("dev", Map.of("dataCapturePercent", 0));
        StageConfig stage = AppConfig.fromContext(stages, null, TestApps.REPO_ROOT).stages().get(0);
        LgbmOpsApp.StageStacks stacks = new LgbmOpsApp.StageStacks(app, stage, new SourcePaths(TestApps.REPO_ROOT));

        assertNull(stacks.monitor);
        assertEquals(6, stacks.all().size());
        Template.fromStack(stacks.deploy).hasResourceProperties("AWS::Lambda::Function", Map.of("Environment",
                Map.of("Variables", Match.objectLike(Map.of(
                        "DATA_CAPTURE_SAMPLING_PERCENT", "0",
                        "DATA_CAPTURE_S3_URI", Match.absent(),
                        "METRICS_NAMESPACE", Match.absent())))));
    }
}
