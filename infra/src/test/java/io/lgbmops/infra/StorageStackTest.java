package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lgbmops.infra.config.StageConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class StorageStackTest {
    private static Template template;

    @BeforeAll
    static void synthesizeProdStorage() {
        App app = TestApps.newApp();
        StageConfig prod = TestApps.config(app).stages().stream().filter(s -> s.name().equals("prod")).findFirst().orElseThrow();
        template = Template.fromStack(new StorageStack(app, prod.stackName("Storage"), null, LgbmOpsApp.storageProps(prod)));
    }

    @Test
    void logicalIds_ofStatefulResources_arePinned() {
        assertEquals(1, template.findResources("AWS::KMS::Key", Map.of()).keySet().stream().filter("DataKey"::equals).count());
        assertEquals(List.of("AccessLogBucket", "ReadBucket", "WriteBucket"),
                template.findResources("AWS::S3::Bucket", Map.of()).keySet().stream().sorted().toList());
        assertEquals(List.of("ImageRepository"), List.copyOf(template.findResources("AWS::ECR::Repository", Map.of()).keySet()));
    }

    @Test
    void dataKey_rotatesAndIsRetained() {
        template.hasResource("AWS::KMS::Key", Map.of(
                "Properties", Map.of("EnableKeyRotation", true),
                "DeletionPolicy", "Retain",
                "UpdateReplacePolicy", "Retain"));
    }

    @Test
    void dataBuckets_areEncryptedWithTheDataKey() {
        for (String bucket : List.of("ReadBucket", "WriteBucket")) {
            Map<String, Object> properties = properties(bucket);
            assertEquals(Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
                    "BucketKeyEnabled", true,
                    "ServerSideEncryptionByDefault", Map.of(
                            "KMSMasterKeyID", Map.of("Fn::GetAtt", List.of("DataKey", "Arn")),
                            "SSEAlgorithm", "aws:kms")))),
                    properties.get("BucketEncryption"), bucket);
        }
    }

    @Test
    void everyBucket_isVersionedPrivateAndRetained() {
        template.allResources("AWS::S3::Bucket", Map.of(
                "Properties", Match.objectLike(Map.of(
                        "VersioningConfiguration", Map.of("Status", "Enabled"),
                        "PublicAccessBlockConfiguration", Map.of(
                                "BlockPublicAcls", true, "BlockPublicPolicy", true,
                                "IgnorePublicAcls", true, "RestrictPublicBuckets", true))),
                "DeletionPolicy", "Retain"));
    }

    @Test
    void everyBucketPolicy_deniesRequestsWithoutTls() {
        assertEquals(3, template.findResources("AWS::S3::BucketPolicy", Map.of(
                "Properties", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny",
                        "Action", "s3:*",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))).size());
    }

    @Test
    void dataBuckets_denyUploadsEncryptedOtherwiseThanWithTheDataKey() {
        Map<String, Object> keyArn = Map.of("Fn::GetAtt", List.of("DataKey", "Arn"));
        assertEquals(2, template.findResources("AWS::S3::BucketPolicy", Map.of(
                "Properties", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                        Match.objectLike(Map.of("Sid", "DenyOtherEncryption", "Effect", "Deny", "Action", "s3:PutObject",
                                "Condition", Map.of("StringNotEqualsIfExists", Map.of("s3:x-amz-server-side-encryption", "aws:kms")))),
                        Match.objectLike(Map.of("Sid", "DenyOtherKmsKeys", "Effect", "Deny", "Action", "s3:PutObject",
                                "Condition", Map.of("StringNotEqualsIfExists", Map.of(
                                        "s3:x-amz-server-side-encryption-aws-kms-key-id", keyArn)))))))))).size());
    }

    @Test
    void dataKey_letsCloudWatchLogsEncryptOnlyThisStagesLogGroups() {
        template.hasResourceProperties("AWS::KMS::Key", Map.of("KeyPolicy", Map.of("Statement", Match.arrayWith(List.of(
                Match.objectLike(Map.of(
                        "Sid", "CloudWatchLogsOfThisStage",
                        "Principal", Map.of("Service", Map.of("Fn::Join", List.of("", List.of("logs.", Map.of("Ref", "AWS::Region"), ".amazonaws.com")))),
                        "Condition", Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn", Map.of("Fn::Join", List.of("", List.of(
                                "arn:", Map.of("Ref", "AWS::Partition"), ":logs:", Map.of("Ref", "AWS::Region"), ":",
                                Map.of("Ref", "AWS::AccountId"), ":log-group:/lgbmops-prod/*"))))))))))));
    }

    @Test
    void dataBuckets_logAccessToTheLogBucket() {
        assertEquals(Map.of("DestinationBucketName", Map.of("Ref", "AccessLogBucket"), "LogFilePrefix", "read/"),
                properties("ReadBucket").get("LoggingConfiguration"));
        assertEquals(Map.of("DestinationBucketName", Map.of("Ref", "AccessLogBucket"), "LogFilePrefix", "write/"),
                properties("WriteBucket").get("LoggingConfiguration"));
    }

    @Test
    void writeBucket_expiresNoncurrentVersionsCheckpointsAndCaptureManifestsAndArchivesOldArtifacts() {
        template.hasResourceProperties("AWS::S3::Bucket", Map.of(
                "LifecycleConfiguration", Map.of("Rules", List.of(
                        Map.of("Id", "expire-noncurrent-versions", "Status", "Enabled",
                                "NoncurrentVersionExpiration", Map.of("NoncurrentDays", 30),
                                "AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 7)),
                        Map.of("Id", "expire-checkpoints", "Status", "Enabled", "Prefix", "checkpoints/", "ExpirationInDays", 14),
                        Map.of("Id", "expire-capture-manifests", "Status", "Enabled",
                                "Prefix", "monitoring/capture-manifests/", "ExpirationInDays", 14),
                        Map.of("Id", "archive-old-artifacts", "Status", "Enabled",
                                "Transitions", List.of(Map.of("StorageClass", "GLACIER_IR", "TransitionInDays", 90)))))));
    }

    @Test
    void bucketNames_carryStageAccountAndRegion() {
        assertEquals(Map.of("Fn::Join", List.of("", List.of("lgbmops-prod-read-", Map.of("Ref", "AWS::AccountId"), "-",
                Map.of("Ref", "AWS::Region")))), properties("ReadBucket").get("BucketName"));
    }

    @Test
    void imageRepository_scansOnPushKeepsTagsImmutableAndEncryptsWithTheDataKey() {
        template.hasResourceProperties("AWS::ECR::Repository", Match.objectLike(Map.of(
                "RepositoryName", "lgbmops-prod/lightgbm",
                "ImageScanningConfiguration", Map.of("ScanOnPush", true),
                "ImageTagMutability", "IMMUTABLE",
                "EncryptionConfiguration", Map.of("EncryptionType", "KMS", "KmsKey", Map.of("Fn::GetAtt", List.of("DataKey", "Arn"))),
                "LifecyclePolicy", Match.objectLike(Map.of("LifecyclePolicyText", Match.stringLikeRegexp("\"countNumber\":10"))))));
    }

    @Test
    void outputs_exposeBucketsKeyAndRepository() {
        for (String output : List.of("DataKeyArn", "ReadBucketName", "WriteBucketName", "ImageRepositoryUri")) {
            template.hasOutput(output, Map.of());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(String logicalId) {
        Map<String, Object> resource = (Map<String, Object>) template.toJSON().get("Resources");
        return (Map<String, Object>) ((Map<String, Object>) resource.get(logicalId)).get("Properties");
    }
}
