package io.lgbmops.infra;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * Each stack of cdk.json's dev stage, synthesized, equals its reviewed snapshot (see {@link Snapshots}):
 * a change to any resource, property, output or cross-stack export shows up in review as a diff.
 */
class StackSnapshotTest {
    private static LgbmOpsApp.StageStacks dev;

    @BeforeAll
    static void synthesizeDevStage() {
        dev = new StageFixture().dev;
    }

    private static void assertSnapshot(Stack stack) throws IOException {
        Map<String, Object> template = Template.fromStack(stack).toJSON();
        Snapshots.assertMatches(stack.getStackName(), Snapshots.normalised(template));
    }

    @Test
    void storageStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.storage);
    }

    @Test
    void platformStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.platform);
    }

    @Test
    void imageStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.image);
    }

    @Test
    void deployStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.deploy);
    }

    @Test
    void pipelineStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.pipeline);
    }

    @Test
    void batchStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.batch);
    }

    @Test
    void monitorStack_equalsItsSnapshot() throws IOException {
        assertSnapshot(dev.monitor);
    }
}
