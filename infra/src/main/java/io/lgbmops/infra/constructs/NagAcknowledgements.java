package io.lgbmops.infra.constructs;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Token;
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
    /** How a finding id spells the deployment's account, region and partition (the pseudo parameters). */
    public static final String ACCOUNT = "<AWS::AccountId>";
    public static final String REGION = "<AWS::Region>";
    public static final String PARTITION = "<AWS::Partition>";

    private NagAcknowledgements() {
    }

    public static void acknowledge(IConstruct scope, String findingId, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("acknowledgement of " + findingId + " needs a reason");
        }
        for (String id : spellings(scope, findingId)) {
            scope.getNode().addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, Map.of(id, reason));
        }
    }

    /**
     * The ways a finding can spell {@code findingId} in {@code scope}'s stack. In a stack pinned to an
     * account and region, ARNs the CDK formats carry the literal partition, region and account, while
     * names we build from the pseudo parameters (the bucket names) and AWS managed policy ARNs keep
     * them: one acknowledgement covers each spelling.
     */
    static Set<String> spellings(IConstruct scope, String findingId) {
        Stack stack = Stack.of(scope);
        Set<String> ids = new LinkedHashSet<>();
        ids.add(findingId);
        String partitionOnly = literal(findingId, PARTITION, stack.getPartition());
        ids.add(partitionOnly);
        ids.add(literal(literal(partitionOnly, REGION, stack.getRegion()), ACCOUNT, stack.getAccount()));
        return ids;
    }

    private static String literal(String findingId, String pseudoParameter, String value) {
        return Token.isUnresolved(value) ? findingId : findingId.replace(pseudoParameter, value);
    }

    /** A wildcard resource (AwsSolutions-IAM5) in a policy of {@code scope}. */
    public static void acknowledgeResource(IConstruct scope, String resource, String reason) {
        acknowledge(scope, "AwsSolutions-IAM5[Resource::" + resource + "]", reason);
    }

    /** A wildcard key pattern in one of our buckets; {@code bucketName} as a finding spells it (see {@link #ACCOUNT}). */
    public static void acknowledgeObjects(IConstruct scope, String bucketName, String keys, String reason) {
        acknowledgeResource(scope, "arn:" + PARTITION + ":s3:::" + bucketName + "/" + keys, reason);
    }

    /** A wildcard action (AwsSolutions-IAM5) in a policy of {@code scope}. */
    public static void acknowledgeAction(IConstruct scope, String action, String reason) {
        acknowledge(scope, "AwsSolutions-IAM5[Action::" + action + "]", reason);
    }

    /** The AWS managed basic execution role (AwsSolutions-IAM4) of a function the CDK or we add. */
    public static void acknowledgeBasicExecutionRole(IConstruct scope, String reason) {
        acknowledge(scope, "AwsSolutions-IAM4[Policy::arn:" + PARTITION
                + ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]", reason);
    }
}
