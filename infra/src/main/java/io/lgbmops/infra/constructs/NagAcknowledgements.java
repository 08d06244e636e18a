package io.lgbmops.infra.constructs;

import java.util.Map;
import software.amazon.awscdk.Validations;
import software.constructs.IConstruct;

/**
 * Acknowledges one AwsSolutions finding on a construct, with the reason a security reviewer reads.
 *
 * <p>Writes the acknowledgement as node metadata under {@link Validations#ACKNOWLEDGED_RULES_METADATA_KEY},
 * which is what {@code Validations.of(scope).acknowledge(...)} records too. It is written directly because
 * {@code acknowledge} rejects finding ids that contain more than one {@code ::}, and the finding id of
 * any IAM resource built from pseudo parameters (`arn:<AWS::Partition>:...`) does.
 */
public final class NagAcknowledgements {

    private NagAcknowledgements() {
    }

    public static void acknowledge(IConstruct scope, String findingId, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("acknowledgement of " + findingId + " needs a reason");
        }
        scope.getNode().addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, Map.of(findingId, reason));
    }
}
