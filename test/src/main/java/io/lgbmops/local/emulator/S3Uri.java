package io.lgbmops.local.emulator;

/** {@code s3://bucket/key}; the key may be empty or a prefix. */
public record S3Uri(String bucket, String key) {

    public static S3Uri parse(String uri) {
        if (uri == null || !uri.startsWith("s3://")) {
            throw new IllegalArgumentException("not an S3 URI: " + uri);
        }
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("S3 URI without a bucket: " + uri);
        }
        return new S3Uri(bucket, slash < 0 ? "" : rest.substring(slash + 1));
    }

    /** This URI with {@code child} appended after exactly one slash. */
    public S3Uri resolve(String child) {
        String trimmed = child.startsWith("/") ? child.substring(1) : child;
        if (key.isEmpty()) {
            return new S3Uri(bucket, trimmed);
        }
        return new S3Uri(bucket, key.endsWith("/") ? key + trimmed : key + "/" + trimmed);
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
