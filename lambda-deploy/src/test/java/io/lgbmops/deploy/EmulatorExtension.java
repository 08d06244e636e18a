package io.lgbmops.deploy;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The emulator lifecycle of every class that talks to moto: one {@link DeployFixture} per test
 * class (moto takes seconds to start), emptied before each test so no test sees another's state.
 * Register it as {@code @RegisterExtension static final EmulatorExtension EMULATOR = new EmulatorExtension();}
 * and take the fixture in an instance field: test instances are made after the class's fixture starts.
 */
final class EmulatorExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

    private DeployFixture fixture;

    DeployFixture fixture() {
        if (fixture == null) {
            throw new IllegalStateException("the emulator runs only between the class's @BeforeAll and @AfterAll;"
                    + " register EmulatorExtension as a static field");
        }
        return fixture;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        fixture = DeployFixture.start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        fixture().reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }
}
