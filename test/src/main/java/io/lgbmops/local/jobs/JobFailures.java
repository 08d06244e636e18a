package io.lgbmops.local.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The reason a job failed, as SageMaker reports it: the container's failure file first. */
final class JobFailures {

    private JobFailures() {}

    static String reason(ChildProcesses.Result result, Path failureFile, Duration timeout) {
        if (result.timedOut()) {
            return "stopped after MaxRuntimeInSeconds=" + timeout.toSeconds();
        }
        try {
            if (Files.isRegularFile(failureFile)) {
                String text = Files.readString(failureFile).strip();
                if (!text.isEmpty()) {
                    return text + " (exit status " + result.exitCode() + ")";
                }
            }
        } catch (IOException e) {
            // fall back to the log below
        }
        return "exit status " + result.exitCode() + "; log tail:\n" + result.tail(15);
    }
}
