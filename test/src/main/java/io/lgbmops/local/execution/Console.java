package io.lgbmops.local.execution;

import io.lgbmops.pipeline.StepGraph;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** What the run prints as it happens: one line per step start and end, elapsed time first. */
public final class Console {

    private final PrintStream out;
    private final long startNanos = System.nanoTime();

    public Console(PrintStream out) {
        this.out = out;
    }

    public synchronized void line(String text) {
        out.println(text);
        out.flush();
    }

    public void info(String label, String text) {
        line(String.format(Locale.ROOT, "%-12s %s", label, text));
    }

    void stepStarted(StepGraph.Node step, String what) {
        line(String.format(Locale.ROOT, "%s  %-22s %-13s %-11s %s", clock(), step.name(), step.type(), "Executing",
                what == null ? "" : what).stripTrailing());
    }

    public void stepDetail(String text) {
        line(String.format(Locale.ROOT, "%s    %s", clock(), text));
    }

    void stepFinished(StepResult result) {
        String took = result.startedAt() == null ? "" : seconds(result.duration());
        String text = result.figure() != null ? result.figure() : "";
        if (result.reason() != null) {
            text = text.isEmpty() ? result.reason() : text + "; " + result.reason();
        }
        line(String.format(Locale.ROOT, "%s  %-22s %-13s %-11s %7s  %s", clock(), result.name(), result.type(),
                result.status().label(), took, text).stripTrailing());
    }

    public static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private String clock() {
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        return String.format(Locale.ROOT, "[%02d:%02d.%d]", millis / 60_000, (millis / 1000) % 60, (millis / 100) % 10);
    }
}
