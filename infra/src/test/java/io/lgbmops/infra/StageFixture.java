package io.lgbmops.infra;


/** The dev stage's stacks, built once per test class that needs them wired together. */
final class StageFixture {
    final LgbmOpsApp.StageStacks dev;

    StageFixture() {
        dev = TestApps.stageStacks(TestApps.newApp());
    }
}
