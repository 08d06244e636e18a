package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lgbmops.infra.config.StageConfig;
import io.lgbmops.pipeline.MonitorPipeline;
import io.lgbmops.pipeline.deploy.DeploySettings;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/**
 * The deploy function's environment as synthesized, read back the way the function reads it: the
 * names, values and defaults are the owner's ({@link DeploySettings}), not a copy in the stack.
 */
class DeploySettingsTemplateTest {

    /** Stand-ins for the two values CloudFormation resolves at deployment (imports of the role and key). */
    private static final String ROLE = "arn:aws:iam::111122223333:role/model";
    private static final String KEY = "arn:aws:kms:eu-west-1:111122223333:key/k";

    @Test
    void environment_readBackByTheFunction_equalsTheStagesDeploySettings() {
        Stage dev = synthesize(null);

        assertEquals(dev.config().deploySettings(ROLE, KEY), DeploySettings.fromEnvironment(dev.environment()));
        assertEquals(dev.config().deploySettings(ROLE, KEY).toEnvironment(), dev.environment());
    }

    @Test
    void stageWithoutDeployKeys_deploysTheOwnersDefaults() {
        Stage bare = synthesize(Map.of("dataset", "datasets/census.json"));

        DeploySettings defaults = DeploySettings.builder("lgbmops-dev-models", "lgbmops-dev-endpoint", ROLE)
                .kmsKeyId(KEY)
                .rollbackAlarmNames(bare.config().names().rollbackAlarmNames())
                // A stage captures by default (monitoring's own default), so its function is told where.
                .dataCapture(bare.config().monitoring().dataCapturePercent(),
                        bare.config().deploySettings(ROLE, KEY).dataCaptureS3Uri().orElseThrow())
                .metricsNamespace(MonitorPipeline.METRICS_NAMESPACE)
                .build();
        assertEquals(defaults, DeploySettings.fromEnvironment(bare.environment()));
        assertEquals(String.valueOf(DeploySettings.DEFAULT_TARGET_INVOCATIONS),
                bare.environment().get(DeploySettings.Setting.AUTOSCALING_TARGET_INVOCATIONS.name()));
    }

    private record Stage(StageConfig config, Map<String, String> environment) { }

    /** The dev stage of cdk.json, or one configured with {@code dev} alone. */
    private static Stage synthesize(Map<String, Object> dev) {
        Map<String, Object> context = TestApps.cdkJsonContext();
        if (dev != null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> stages = new LinkedHashMap<>((Map<String, Object>) context.get("stages"));
            stages.put("dev", dev);
            context.put("stages", stages);
        }
        App app = TestApps.newApp(context);
        StageConfig stage = TestApps.config(app).stages().get(0);
        Template template = Template.fromStack(TestApps.stageStacks(app).deploy);
        Map<?, ?> function = template.findResources("AWS::Lambda::Function", Map.of()).values().iterator().next();
        Map<?, ?> variables = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) function.get("Properties"))
                .get("Environment")).get("Variables");
        Map<String, String> environment = new LinkedHashMap<>();
        // The capture bucket's name holds the account and region, which the template leaves to CloudFormation.
        String capture = stage.deploySettings(ROLE, KEY).dataCaptureS3Uri().orElse(null);
        variables.forEach((name, value) -> environment.put((String) name, switch ((String) name) {
            case "EXECUTION_ROLE_ARN" -> resolved(value, ROLE);
            case "KMS_KEY_ID" -> resolved(value, KEY);
            case "DATA_CAPTURE_S3_URI" -> resolved(value, capture);
            default -> (String) value;
        }));
        return new Stage(stage, environment);
    }

    /** The role and key are CloudFormation expressions in the template, never literal ARNs. */
    private static String resolved(Object value, String standIn) {
        assertInstanceOf(Map.class, value, "expected an intrinsic, got " + value);
        return standIn;
    }
}
