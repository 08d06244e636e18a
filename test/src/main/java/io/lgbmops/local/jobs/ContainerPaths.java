package io.lgbmops.local.jobs;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The container's view of a job directory, and what a job prints. */
public final class ContainerPaths {

    static final String OPT_ML = "/opt/ml";

    /** {@code name=value} lines the container prints for metrics, e.g. {@code validation_f1=0.712345}. */
    private static final Pattern METRIC_LINE =
            Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\\s*$", Pattern.MULTILINE);

    private ContainerPaths() {}

    /** Maps an absolute container path under {@code /opt/ml} into the job's local {@code optMl} directory. */
    public static Path local(Path optMl, String containerPath) {
        String normalized = containerPath.endsWith("/") && containerPath.length() > 1
                ? containerPath.substring(0, containerPath.length() - 1) : containerPath;
        if (!(normalized.equals(OPT_ML) || normalized.startsWith(OPT_ML + "/"))) {
            throw new IllegalStateException("container path " + containerPath + " is outside " + OPT_ML
                    + "; the runner maps only " + OPT_ML + " into a job directory");
        }
        Path local = optMl.resolve(normalized.substring(OPT_ML.length()).replaceFirst("^/", "")).normalize();
        if (!local.startsWith(optMl)) {
            throw new IllegalStateException("container path " + containerPath + " escapes " + OPT_ML);
        }
        return local;
    }

    /** The last value of each {@code name=value} line in a job's output, in first-seen order. */
    static Map<String, Double> printedMetrics(String output) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        Matcher matcher = METRIC_LINE.matcher(output);
        while (matcher.find()) {
            metrics.put(matcher.group(1), Double.parseDouble(matcher.group(2)));
        }
        return metrics;
    }

    public static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(java.util.Locale.ROOT, "%.4f", value);
    }
}
