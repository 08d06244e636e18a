package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * A stage pinned to an account and region (README: `account`, `region`) synthesizes with every
 * AwsSolutions finding acknowledged: there the CDK writes ARNs with the literal partition, region
 * and account, and the acknowledgements must still name those findings.
 */
class PinnedEnvironmentTest {

    @ParameterizedTest
    @ValueSource(strings = {"native", "clarify"})
    void pinnedStage_synthesizes_withEveryFindingAcknowledged(String explainability) {
        App app = TestApps.newApp(TestApps.contextWithDev(Map.of(
                "account", "123456789012", "region", "eu-west-1", "explainability", explainability)));
        List<Stack> stacks = LgbmOpsApp.build(app, TestApps.config(app), new SourcePaths(TestApps.REPO_ROOT));

        assertDoesNotThrow(() -> app.synth());
        Stack platform = stacks.stream().filter(stack -> stack.getStackName().equals("LgbmOps-dev-Platform"))
                .findFirst().orElseThrow();
        String template = Template.fromStack(platform).toJSON().toString();
        assertTrue(template.contains("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/ProcessingJobs"),
                "the pinned stack's ARNs carry the literal partition, region and account");
    }
}
