package io.lgbmops.local.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the local stand-ins for SageMaker's containers and AWS services as child processes, and
 * ends exactly those (with their own children) when the run is over or interrupted.
 */
public final class ChildProcesses implements AutoCloseable {

    /** How a finished process went; {@code log} holds its stdout and stderr interleaved. */
    public record Result(int exitCode, boolean timedOut, Duration duration, Path log) {
        public boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }

        public String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The last {@code lines} lines of the log, for error messages. */
        public String tail(int lines) {
            List<String> all = output().lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    private final List<Process> running = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "stop-child-processes");

    public ChildProcesses() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code command} with stdout and stderr going to {@code log}; does not wait. The child
     * inherits this process's environment with {@code environment} applied on top; a null value
     * removes the variable.
     */
    public Process start(List<String> command, Map<String, String> environment, Path workingDir, Path log) {
        return start(command, environment, workingDir, log, null);
    }

    /** As {@link #start(List, Map, Path, Path)}, with stderr to {@code errorLog} when it is not null. */
    public synchronized Process start(List<String> command, Map<String, String> environment, Path workingDir, Path log,
                               Path errorLog) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDir.toFile())
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        if (errorLog == null) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(errorLog.toFile());
        }
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        try {
            Files.createDirectories(log.getParent());
            Process process = builder.start();
            running.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code command} to its end, or stops it after {@code timeout}. */
    public Result run(List<String> command, Map<String, String> environment, Path workingDir, Path log, Duration timeout) {
        return run(command, environment, workingDir, log, null, timeout);
    }

    /** As {@link #run(List, Map, Path, Path, Duration)}, with stderr to {@code errorLog} when it is not null. */
    public Result run(List<String> command, Map<String, String> environment, Path workingDir, Path log, Path errorLog,
               Duration timeout) {
        long started = System.nanoTime();
        Process process = start(command, environment, workingDir, log, errorLog);
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
        if (!finished) {
            stop(process);
        }
        forget(process);
        Duration duration = Duration.ofNanos(System.nanoTime() - started);
        return new Result(finished ? process.exitValue() : -1, !finished, duration, log);
    }

    /**
     * Starts every command at once (the hosts of one multi-instance job) and waits for all of
     * them within one deadline; one that outlives it is stopped and reported as timed out.
     */
    List<Result> runAll(List<List<String>> commands, List<Map<String, String>> environments, Path workingDir,
                        List<Path> logs, Duration timeout) {
        long started = System.nanoTime();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            processes.add(start(commands.get(i), environments.get(i), workingDir, logs.get(i)));
        }
        long deadline = started + timeout.toNanos();
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process process = processes.get(i);
            boolean finished;
            try {
                finished = process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                processes.forEach(this::stop);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + commands.get(i).get(0), e);
            }
            if (!finished) {
                stop(process);
            } else {
                forget(process);
            }
            results.add(new Result(finished ? process.exitValue() : -1, !finished,
                    Duration.ofNanos(System.nanoTime() - started), logs.get(i)));
        }
        return results;
    }

    /** Ends {@code process} and its descendants: politely first, then forcibly. */
    public void stop(Process process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        forget(process);
    }

    /** Leaves {@code process} running past this run: it is no longer stopped at the end. */
    public void detach(Process process) {
        forget(process);
    }

    private synchronized void forget(Process process) {
        running.remove(process);
    }

    private synchronized void stopAll() {
        for (Process process : List.copyOf(running)) {
            stop(process);
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and runs the hook itself
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
