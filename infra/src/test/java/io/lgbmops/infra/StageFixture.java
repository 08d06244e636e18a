package io.lgbmops.infra;

import io.lgbmops.infra.config.AppConfig;
import software.amazon.awscdk.App;

/** The dev stage's stacks, built once per test class that needs them wired together. */
final class StageFixture {
    final LgbmOpsApp.StageStacks dev;

    StageFixture() {
        App app = TestApps.newApp();
        AppConfig config = TestApps.config(app);
        dev = new LgbmOpsApp.StageStacks(app, config.stages().get(0), new SourcePaths(TestApps.REPO_ROOT));
    }
}
