package io.lgbmops.local.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.deploy.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;

/** ManifestFile inputs against the emulator: the listed objects, where SageMaker puts them. */
class S3StoreTest {

    private static final String BUCKET = "lgbmops-dev-write";

    private static MotoServer moto;
    private static io.lgbmops.deploy.AwsClients aws;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEmulator() {
        moto = MotoServer.start();
        aws = io.lgbmops.deploy.AwsClients.forEndpoint(moto.endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")));
        aws.s3().createBucket(r -> r.bucket(BUCKET));
        for (String key : List.of("datacapture/ep/AllTraffic/2026/12/01/04/a.jsonl",
                "datacapture/ep/AllTraffic/2026/12/01/05/b.jsonl", "datacapture/ep/AllTraffic/2026/11/01/05/old.jsonl")) {
            aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(key));
        }
    }

    @AfterAll
    static void stopEmulator() {
        aws.close();
        moto.close();
    }

    @Test
    void downloadManifest_fetchesOnlyTheListedObjects_atTheirPathsRelativeToThePrefix() throws Exception {
        S3Uri manifest = manifest("m1.json", "[{\"prefix\": \"s3://" + BUCKET + "/datacapture/ep/AllTraffic/\"},"
                + " \"2026/12/01/04/a.jsonl\", \"2026/12/01/05/b.jsonl\"]");

        List<Path> written = new S3Store(aws.s3()).downloadManifest(manifest, dir);

        assertEquals(List.of(dir.resolve("2026/12/01/04/a.jsonl"), dir.resolve("2026/12/01/05/b.jsonl")), written);
        assertEquals("datacapture/ep/AllTraffic/2026/12/01/05/b.jsonl", Files.readString(written.get(1)));
        assertFalse(Files.exists(dir.resolve("2026/11/01/05/old.jsonl")), "an object the manifest does not list");
    }

    @Test
    void downloadManifest_whenAListedObjectIsMissing_failsNamingIt() {
        S3Uri manifest = manifest("m2.json", "[{\"prefix\": \"s3://" + BUCKET + "/datacapture/ep/AllTraffic/\"}, \"gone.jsonl\"]");

        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> new S3Store(aws.s3()).downloadManifest(manifest, dir));

        assertTrue(error.getMessage().contains("s3://" + BUCKET + "/datacapture/ep/AllTraffic/gone.jsonl does not exist"),
                error.getMessage());
    }

    @Test
    void downloadManifest_whenItListsNothingOrEscapesTheDirectory_fails() {
        S3Store store = new S3Store(aws.s3());
        String prefix = "{\"prefix\": \"s3://" + BUCKET + "/datacapture/\"}";

        assertTrue(assertThrows(IllegalStateException.class, () -> store.downloadManifest(manifest("m3.json", "[" + prefix + "]"), dir))
                .getMessage().endsWith("lists no objects"));
        assertTrue(assertThrows(IllegalStateException.class, () -> store.downloadManifest(
                manifest("m4.json", "[" + prefix + ", \"../../etc/passwd\"]"), dir)).getMessage().contains("not a key relative"));
    }

    private static S3Uri manifest(String name, String body) {
        String key = "monitoring/capture-manifests/ep/" + name;
        aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(body));
        return new S3Uri(BUCKET, key);
    }
}
