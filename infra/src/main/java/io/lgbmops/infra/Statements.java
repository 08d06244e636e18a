package io.lgbmops.infra;

import java.util.List;
import software.amazon.awscdk.services.iam.PolicyStatement;

/** IAM statements without conditions, as most of our roles' grants are. */
final class Statements {

    private Statements() {
    }

    static PolicyStatement allow(List<String> actions, List<String> resources) {
        return PolicyStatement.Builder.create().actions(actions).resources(resources).build();
    }
}
