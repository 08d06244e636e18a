package io.lgbmops.infra;

import io.lgbmops.pipeline.deploy.CaptureManifest;
import io.lgbmops.pipeline.deploy.StageNames;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecr.RepositoryEncryption;
import software.amazon.awscdk.services.ecr.TagMutability;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * The stateful half of a stage: the customer-managed key, the read bucket (raw data), the write
 * bucket (every artifact), the access-log bucket and the container repository. Their logical IDs
 * are pinned with {@link #pin} so no refactor of the construct tree can replace them.
 */
public final class StorageStack extends Stack {
    /** S3 prefix of training checkpoints in the write bucket; expires quickly. */
    public static final String CHECKPOINT_PREFIX = "checkpoints/";
    /**
     * Days a capture manifest is kept: each is written for the one monitoring run that follows it,
     * and kept a while after for a rerun or a look. The captures themselves are not affected.
     */
    public static final int CAPTURE_MANIFEST_RETENTION_DAYS = 14;

    private final Key key;
    private final Repository repository;

    /**
     * What the stateful resources are named and how long they keep things.
     *
     * @param names                          the stage's naming scheme (key alias, repository, log groups)
     * @param readBucketName                 the read bucket's fixed name
     * @param writeBucketName                the write bucket's fixed name
     * @param removalPolicy                  what stack deletion does to the key, the buckets and the repository
     * @param imagesToKeep                   container images kept in the repository
     * @param artifactArchiveDays            days before write-bucket objects move to Glacier Instant Retrieval
     * @param checkpointRetentionDays        days training checkpoints are kept
     * @param noncurrentVersionRetentionDays days a replaced object version is kept
     * @param accessLogRetentionDays         days server access logs are kept
     */
    public record Props(StageNames names, String readBucketName, String writeBucketName, RemovalPolicy removalPolicy,
            int imagesToKeep, int artifactArchiveDays, int checkpointRetentionDays, int noncurrentVersionRetentionDays,
            int accessLogRetentionDays) {
    }

    public StorageStack(Construct scope, String id, StackProps stackProps, Props props) {
        super(scope, id, stackProps);
        StageNames names = props.names();
        RemovalPolicy removal = props.removalPolicy();

        key = Key.Builder.create(this, "DataKey")
                .description("Encrypts data, artifacts, images and endpoints of " + names.resourcePrefix())
                .alias("alias/" + names.resourcePrefix() + "-data")
                .enableKeyRotation(true)
                .removalPolicy(removal)
                .build();
        pin(key.getNode().getDefaultChild(), "DataKey");
        // CloudWatch Logs encrypts a log group with the key only if the key policy lets the service
        // principal of this region do so, for this stage's log groups in this account. Only the
        // operations that carry the log group's encryption context, which the condition needs.
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchLogsOfThisStage")
                .principals(List.of(new ServicePrincipal("logs." + Aws.REGION + ".amazonaws.com")))
                .actions(List.of("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                        "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"))
                .resources(List.of("*"))
                .conditions(Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn",
                        "arn:" + Aws.PARTITION + ":logs:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":log-group:"
                                + names.logGroupPrefix() + "*")))
                .build());

        // Server access logs can only be delivered to a bucket encrypted with S3-managed keys.
        Bucket accessLogs = Bucket.Builder.create(this, "AccessLogBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .versioned(true)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("expire-access-logs")
                        .expiration(Duration.days(props.accessLogRetentionDays()))
                        .noncurrentVersionExpiration(Duration.days(props.noncurrentVersionRetentionDays()))
                        .build()))
                .removalPolicy(removal)
                .build();
        pin(accessLogs.getNode().getDefaultChild(), "AccessLogBucket");

        LifecycleRule noncurrentVersions = noncurrentVersions(props.noncurrentVersionRetentionDays());
        Bucket readBucket = dataBucket("ReadBucket", props.readBucketName(), "read/", accessLogs, removal, List.of(noncurrentVersions));
        Bucket writeBucket = dataBucket("WriteBucket", props.writeBucketName(), "write/", accessLogs, removal, List.of(
                noncurrentVersions,
                LifecycleRule.builder()
                        .id("expire-checkpoints")
                        .prefix(CHECKPOINT_PREFIX)
                        .expiration(Duration.days(props.checkpointRetentionDays()))
                        .build(),
                LifecycleRule.builder()
                        .id("expire-capture-manifests")
                        .prefix(CaptureManifest.MANIFEST_PREFIX + "/")
                        .expiration(Duration.days(CAPTURE_MANIFEST_RETENTION_DAYS))
                        .build(),
                LifecycleRule.builder()
                        .id("archive-old-artifacts")
                        .transitions(List.of(Transition.builder()
                                .storageClass(StorageClass.GLACIER_INSTANT_RETRIEVAL)
                                .transitionAfter(Duration.days(props.artifactArchiveDays()))
                                .build()))
                        .build()));

        repository = Repository.Builder.create(this, "ImageRepository")
                .repositoryName(names.repositoryName())
                .imageScanOnPush(true)
                .imageTagMutability(TagMutability.IMMUTABLE)
                .encryption(RepositoryEncryption.KMS)
                .encryptionKey(key)
                .lifecycleRules(List.of(software.amazon.awscdk.services.ecr.LifecycleRule.builder()
                        .description("keep the last " + props.imagesToKeep() + " images")
                        .maxImageCount(props.imagesToKeep())
                        .build()))
                .removalPolicy(removal)
                .build();
        pin(repository.getNode().getDefaultChild(), "ImageRepository");

        output("DataKeyArn", key.getKeyArn(), "KMS key of data, artifacts, images and endpoints");
        output("ReadBucketName", readBucket.getBucketName(), "bucket the pipeline reads raw data from");
        output("WriteBucketName", writeBucket.getBucketName(), "bucket every pipeline artifact is written to");
        output("ImageRepositoryUri", repository.getRepositoryUri(), "ECR repository of the LightGBM image");
    }

    private Bucket dataBucket(String id, String bucketName, String logPrefix, Bucket accessLogs,
                              RemovalPolicy removal, List<LifecycleRule> rules) {
        Bucket bucket = Bucket.Builder.create(this, id)
                .bucketName(bucketName)
                .encryption(BucketEncryption.KMS)
                .encryptionKey(key)
                .bucketKeyEnabled(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .versioned(true)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix(logPrefix)
                .lifecycleRules(rules)
                .removalPolicy(removal)
                .build();
        pin(bucket.getNode().getDefaultChild(), id);
        // Objects are encrypted with our key only: an upload naming another key or another kind of
        // encryption is refused; one naming none gets the bucket default, our key.
        bucket.addToResourcePolicy(denyPut("DenyOtherEncryption",
                Map.of("StringNotEqualsIfExists", Map.of("s3:x-amz-server-side-encryption", "aws:kms")), bucket));
        bucket.addToResourcePolicy(denyPut("DenyOtherKmsKeys",
                Map.of("StringNotEqualsIfExists", Map.of("s3:x-amz-server-side-encryption-aws-kms-key-id", key.getKeyArn())), bucket));
        return bucket;
    }

    private static PolicyStatement denyPut(String sid, Map<String, Object> condition, Bucket bucket) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.DENY)
                .principals(List.of(new AnyPrincipal()))
                .actions(List.of("s3:PutObject"))
                .resources(List.of(bucket.arnForObjects("*")))
                .conditions(condition)
                .build();
    }

    private static LifecycleRule noncurrentVersions(int retentionDays) {
        return LifecycleRule.builder()
                .id("expire-noncurrent-versions")
                .noncurrentVersionExpiration(Duration.days(retentionDays))
                .abortIncompleteMultipartUploadAfter(Duration.days(7))
                .build();
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    /** Fixes a stateful resource's logical ID, independent of where it sits in the construct tree. */
    static void pin(Object defaultChild, String logicalId) {
        ((CfnResource) defaultChild).overrideLogicalId(logicalId);
    }

    public Key key() {
        return key;
    }

    public Repository repository() {
        return repository;
    }
}
