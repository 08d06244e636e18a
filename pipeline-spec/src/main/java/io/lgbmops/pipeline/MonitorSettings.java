package io.lgbmops.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The monitoring pipeline's own defaults; everything it shares with the training pipeline (image,
 * roles, bucket, key, deploy function, endpoint, processing instances) comes from
 * {@link PipelineSettings}.
 *
 * @param windowHours        default length of the checked window, ending when the check runs
 * @param minCapturedRows    fewer captured rows in the window: a report that says so and no drift figures
 * @param psiAlarm           the PSI the report marks as drift (the alarms have their own limits)
 */
public record MonitorSettings(int windowHours, int minCapturedRows, double psiAlarm) {

    public MonitorSettings {
        List<String> problems = new ArrayList<>();
        if (windowHours < 1 || windowHours > 24) {
            problems.add("windowHours must be in [1, 24], got " + windowHours);
        }
        if (minCapturedRows < 1) {
            problems.add("minCapturedRows must be at least 1, got " + minCapturedRows);
        }
        if (!(psiAlarm > 0 && psiAlarm <= 10)) {
            problems.add("psiAlarm must be in (0, 10], got " + psiAlarm);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** A day's window, 200 rows, PSI 0.2 (the usual "significant shift" line). */
    public static MonitorSettings defaults() {
        return new MonitorSettings(24, 200, 0.2);
    }
}
