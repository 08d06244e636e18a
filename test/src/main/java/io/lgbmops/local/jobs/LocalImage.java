package io.lgbmops.local.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local stand-in for the project's container image: its console scripts in the project
 * virtualenv. A job's entry point names one of them; the image URI itself is only recorded.
 */
public final class LocalImage {

    static final String OPT_ML_ENV = "LGBMOPS_OPT_ML";
    static final List<String> SCRIPTS = List.of("preprocess", "train", "evaluate", "explain", "select", "monitor", "serve");

    private final Path venv;

    public LocalImage(Path venv) {
        this.venv = venv;
    }

    public Path venv() {
        return venv;
    }

    Path bin(String name) {
        return venv.resolve("bin").resolve(name);
    }

    public Path python() {
        return bin("python");
    }

    /**
     * The local command for a container entry point plus arguments, e.g. {@code ["evaluate"]} or
     * {@code ["/usr/local/bin/train"]}.
     *
     * @throws IllegalStateException when the entry point is not one of the container's scripts or
     *                               the virtualenv lacks it
     */
    public List<String> command(List<String> entrypoint, List<String> arguments, String imageUri) {
        if (entrypoint.isEmpty()) {
            throw new IllegalStateException("the job names no ContainerEntrypoint; the runner cannot tell which "
                    + "program of image " + imageUri + " to run");
        }
        String program = Path.of(entrypoint.get(0)).getFileName().toString();
        if (!SCRIPTS.contains(program)) {
            throw new IllegalStateException("no local stand-in for entry point " + entrypoint.get(0) + " of image "
                    + imageUri + "; the local image provides " + SCRIPTS);
        }
        Path script = bin(program);
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException(script + " is missing: install the container package into the "
                    + "virtualenv with `python3 test/python_env.py .venv`");
        }
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(entrypoint.subList(1, entrypoint.size()));
        command.addAll(arguments);
        return command;
    }

    /** The environment of a job: the container's own variables and the root of its /opt/ml. */
    public Map<String, String> environment(Path optMl, Map<String, String> jobEnvironment) {
        Map<String, String> env = new HashMap<>(jobEnvironment);
        env.put(OPT_ML_ENV, optMl.toString());
        env.put("PATH", venv.resolve("bin") + java.io.File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        env.put("PYTHONUNBUFFERED", "1");
        env.put("VIRTUAL_ENV", venv.toString());
        return env;
    }
}
