package io.lgbmops.local.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.expressions.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The file transfers SageMaker does around a job, as real S3 calls: channels and processing
 * inputs come down by prefix, outputs go up as a directory tree.
 */
public final class S3Store {

    private final S3Client s3;
    private final Set<String> knownBuckets = new HashSet<>();

    public S3Store(S3Client s3) {
        this.s3 = s3;
    }

    /** Creates the bucket unless it exists (the emulator starts empty). */
    public synchronized void ensureBucket(String bucket) {
        if (knownBuckets.contains(bucket)) {
            return;
        }
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
        }
        knownBuckets.add(bucket);
    }

    public void upload(Path file, S3Uri target) {
        ensureBucket(target.bucket());
        s3.putObject(b -> b.bucket(target.bucket()).key(target.key()), RequestBody.fromFile(file));
    }

    public void uploadText(String text, S3Uri target) {
        ensureBucket(target.bucket());
        s3.putObject(b -> b.bucket(target.bucket()).key(target.key()), RequestBody.fromString(text));
    }

    /** Uploads every file under {@code dir} to {@code prefix}/relative-path; returns the count. */
    public int uploadDirectory(Path dir, S3Uri prefix) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            upload(file, prefix.resolve(dir.relativize(file).toString().replace('\\', '/')));
        }
        return files.size();
    }

    /**
     * Downloads every object whose key starts with {@code prefix} into {@code dir}, named by the
     * part of the key after the prefix's last '/' (so {@code s3://b/x/model.tar.gz} lands as
     * {@code dir/model.tar.gz} and {@code s3://b/x/} as {@code dir/<rest>}), as SageMaker does for
     * S3Prefix inputs. An empty prefix is an error, as it is for a job.
     */
    public List<Path> downloadPrefix(S3Uri prefix, Path dir) {
        return downloadPrefix(prefix, dir, 0, 1);
    }

    /**
     * Shard {@code shard} of {@code shards} of the objects under {@code prefix}: the objects in
     * key order, dealt out one each in turn, as a {@code ShardedByS3Key} channel spreads them
     * over a training job's instances ({@code 0, 1} is every object).
     */
    public List<Path> downloadPrefix(S3Uri prefix, Path dir, int shard, int shards) {
        List<S3Object> objects = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(prefix.bucket()).prefix(prefix.key()))
                .contents().forEach(objects::add);
        if (objects.isEmpty()) {
            throw new IllegalStateException("no objects under " + prefix);
        }
        int cut = prefix.key().lastIndexOf('/') + 1;
        List<Path> written = new ArrayList<>();
        objects.removeIf(object -> object.key().endsWith("/"));
        objects.sort(Comparator.comparing(S3Object::key));
        for (int i = shard; i < objects.size(); i += shards) {
            S3Object object = objects.get(i);
            Path target = dir.resolve(object.key().substring(cut)).normalize();
            if (!target.startsWith(dir)) {
                throw new IllegalStateException("object key escapes the target directory: " + object.key());
            }
            download(new S3Uri(prefix.bucket(), object.key()), target);
            written.add(target);
        }
        return written;
    }

    /**
     * Downloads the objects a SageMaker manifest file lists ({@code [{"prefix": "s3://b/p/"},
     * "rel/key", ...]}) into {@code dir}, each at its path relative to the prefix, as a
     * {@code ManifestFile} input does. A manifest listing nothing, or an object that is missing,
     * is an error, as it is for a job.
     */
    public List<Path> downloadManifest(S3Uri manifest, Path dir) {
        JsonNode entries = readJson(manifest);
        if (!entries.isArray() || entries.isEmpty() || !entries.get(0).path("prefix").isTextual()) {
            throw new IllegalStateException(manifest + " is not a manifest: expected [{\"prefix\": \"s3://...\"}, \"key\", ...]");
        }
        S3Uri prefix = S3Uri.parse(entries.get(0).path("prefix").asText());
        if (entries.size() == 1) {
            throw new IllegalStateException(manifest + " lists no objects");
        }
        List<Path> written = new ArrayList<>();
        for (int i = 1; i < entries.size(); i++) {
            String relative = entries.get(i).asText("");
            Path target = dir.resolve(relative).normalize();
            if (relative.isBlank() || !target.startsWith(dir) || target.equals(dir)) {
                throw new IllegalStateException(manifest + " [" + i + "]: not a key relative to its prefix: " + entries.get(i));
            }
            S3Uri object = new S3Uri(prefix.bucket(), prefix.key() + relative);
            try {
                download(object, target);
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                throw new IllegalStateException(manifest + " [" + i + "]: " + object + " does not exist", e);
            }
            written.add(target);
        }
        return written;
    }

    public void download(S3Uri object, Path target) {
        try {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s3.getObject(b -> b.bucket(object.bucket()).key(object.key()), target);
    }

    public JsonNode readJson(S3Uri object) {
        byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(object.bucket()).key(object.key())).asByteArray();
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(object + " is not JSON: " + e.getMessage(), e);
        }
    }

    /** The first object (in key order) under {@code prefix} whose key ends with {@code suffix}. */
    public java.util.Optional<S3Uri> firstObject(S3Uri prefix, String suffix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(prefix.bucket()).prefix(prefix.key())).contents().stream()
                .map(S3Object::key)
                .filter(key -> key.endsWith(suffix))
                .findFirst()
                .map(key -> new S3Uri(prefix.bucket(), key));
    }

    public java.io.InputStream open(S3Uri object) {
        return s3.getObject(b -> b.bucket(object.bucket()).key(object.key()));
    }
}
