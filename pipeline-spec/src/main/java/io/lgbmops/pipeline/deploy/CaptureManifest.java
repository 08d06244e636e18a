package io.lgbmops.pipeline.deploy;

/**
 * The capture manifest the deploy function's {@code describe-live} writes for the monitoring
 * pipeline's Monitor step (a SageMaker {@code ManifestFile} input: {@code [{"prefix": "s3://b/p/"},
 * "rel/key", ...]}): where it goes, and the marker it lists when a window has no capture file.
 * The stack uploads the marker; the container's {@code lgbmops.monitor.capture} reads it as zero
 * captured rows.
 */
public final class CaptureManifest {

    /** Key prefix, in the write bucket, of the manifests: {@code <prefix>/<endpoint>/<start>-<end>.json}. */
    public static final String MANIFEST_PREFIX = "monitoring/capture-manifests";
    /** Key prefix, in the write bucket, the stack uploads the marker under (the pipelines' settings). */
    public static final String MARKER_PREFIX = "pipeline-settings";
    /** The marker's file name; the container recognises it by this name. */
    public static final String NO_CAPTURES_MARKER = "no-captures.json";

    private CaptureManifest() {
    }

    /** {@code monitoring/capture-manifests/<endpoint>/}. */
    public static String manifestPrefix(String endpointName) {
        return MANIFEST_PREFIX + "/" + endpointName + "/";
    }

    /** {@code pipeline-settings/no-captures.json}. */
    public static String noCapturesMarkerKey() {
        return MARKER_PREFIX + "/" + NO_CAPTURES_MARKER;
    }

    /** What the marker says, for a person who opens it from a manifest. */
    public static String noCapturesMarker() {
        return "{\"no_captures\": true, \"reason\": \"the endpoint wrote no capture file in the monitored window\"}\n";
    }
}
