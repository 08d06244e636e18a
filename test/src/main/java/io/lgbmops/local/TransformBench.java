package io.lgbmops.local;

import io.lgbmops.local.emulator.Emulator;
import io.lgbmops.local.jobs.BatchTransform;
import io.lgbmops.local.jobs.ChildProcesses;
import io.lgbmops.local.jobs.CsvJsonPath;
import io.lgbmops.local.jobs.LocalImage;
import io.lgbmops.local.jobs.TarGz;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures the local Transform emulation on a large batch, next to in-process
 * {@code Booster.predict} on the same rows in the same run:
 *
 * <pre>
 * java -cp test/target/local-run.jar io.lgbmops.local.TransformBench --model MODEL.tar.gz [--rows 1000000]
 * </pre>
 *
 * MODEL.tar.gz: a churn model (any training run's, e.g. under test/target/local-run/&lt;execution&gt;/jobs/).
 * The rows are the churn table without its label, repeated with fresh ids until there are
 * {@code --rows}; they go through {@link BatchTransform} to the container's {@code serve}
 * exactly as the batch pipeline's Transform step sends them (the churn contract's filters,
 * MaxPayloadInMB 6, MaxConcurrentTransforms = --concurrency, default 2). The reference decodes the
 * same file with pandas and times {@code Booster.predict} alone on all rows.
 */
public final class TransformBench {

    private TransformBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--model")) {
            System.err.println("usage: TransformBench --model MODEL.tar.gz [--rows N] [--concurrency N] [--venv DIR] [--work DIR]");
            System.exit(2);
        }
        Path root = RunnerOptions.findRepoRoot();
        int rows = Integer.parseInt(options.getOrDefault("--rows", "1000000"));
        int concurrency = Integer.parseInt(options.getOrDefault("--concurrency", "2"));
        Path venv = Path.of(options.getOrDefault("--venv", root.resolve(".venv").toString())).toAbsolutePath();
        Path work = Files.createDirectories(Path.of(options.getOrDefault("--work",
                root.resolve("test/target/transform-bench").toString())).toAbsolutePath());
        Path input = work.resolve("rows.csv");
        writeRows(root.resolve("datasets/churn/mlc_churn.csv"), input, rows);
        Path optMl = work.resolve("opt_ml");
        TarGz.extract(Path.of(options.get("--model")), optMl.resolve("model"));

        int port = Emulator.freePort();
        LocalImage image = new LocalImage(venv);
        Map<String, String> environment = image.environment(optMl, Map.of(
                "SAGEMAKER_BIND_TO_PORT", Integer.toString(port), "LGBMOPS_BIND_HOST", "127.0.0.1",
                "SAGEMAKER_MODEL_SERVER_WORKERS", Integer.toString(concurrency),
                "SAGEMAKER_MAX_PAYLOAD_IN_MB", "6", "LGBMOPS_ROW_ERRORS", "inline"));
        try (ChildProcesses processes = new ChildProcesses()) {
            Process serve = processes.start(image.command(List.of("serve"), List.of(), "bench"), environment, work,
                    work.resolve("serve.log"));
            URI url = URI.create("http://127.0.0.1:" + port);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Emulator.answers(url.resolve("/ping"))) {
                if (!serve.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("serve did not start; see " + work.resolve("serve.log"));
                }
                Thread.sleep(200);
            }
            BatchTransform transform = new BatchTransform(new BatchTransform.Settings(CsvJsonPath.parse("$[1:20]"),
                    CsvJsonPath.parse("$[0,20:]"), true, 6L * 1024 * 1024, concurrency), url.resolve("/invocations"));
            long started = System.nanoTime();
            BatchTransform.Stats stats = transform.transform(input, work.resolve("rows.csv.out"), "rows.csv");
            double seconds = (System.nanoTime() - started) / 1e9;
            transform.close();
            long outLines;
            try (var lines = Files.lines(work.resolve("rows.csv.out"))) {
                outLines = lines.count();
            }
            if (outLines != rows) {
                throw new IllegalStateException("the output has " + outLines + " lines for " + rows + " rows");
            }
            String reference = booster(venv, optMl.resolve("model"), input, work);
            System.out.println(String.format(Locale.ROOT,
                    "transform emulation: %d rows in %d mini-batches (%d concurrent, MaxPayloadInMB 6): %.1f s wall, %.0f rows/s",
                    stats.records(), stats.miniBatches(), concurrency, seconds, stats.records() / seconds));
            System.out.println(reference);
        }
    }

    /** The churn table without its label, repeated until {@code rows} lines, ids 1..rows. */
    private static void writeRows(Path table, Path target, int rows) throws IOException {
        List<String> source = new ArrayList<>();
        List<String> lines = Files.readAllLines(table);
        for (String line : lines.subList(1, lines.size())) {
            String features = line.substring(line.indexOf(',') + 1, line.lastIndexOf(','));
            source.add(features);
        }
        try (BufferedWriter out = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
            for (int i = 0; i < rows; i++) {
                out.write(Integer.toString(i + 1));
                out.write(',');
                out.write(source.get(i % source.size()));
                out.write('\n');
            }
        }
    }

    /** In-process Booster.predict rows/s on the same rows (decoded once, outside the timing). */
    private static String booster(Path venv, Path modelDir, Path input, Path work) throws Exception {
        String script = String.join("\n",
                "import sys, time",
                "import pandas as pd",
                "from lgbmops.model import load_model",
                "booster, schema = load_model(__import__('pathlib').Path(sys.argv[1]))",
                "frame = pd.read_csv(sys.argv[2], header=None, dtype=str, keep_default_na=False).iloc[:, 1:]",
                "frame.columns = schema.names",
                "matrix = schema.matrix(frame, 'bench')",
                "best = None",
                "for _ in range(3):",
                "    t = time.perf_counter(); booster.predict(matrix); s = time.perf_counter() - t",
                "    best = s if best is None else min(best, s)",
                "print(f'in-process Booster.predict: {len(matrix)} rows in {best:.1f} s (best of 3), "
                        + "{len(matrix) / best:.0f} rows/s')");
        Path log = work.resolve("booster.log");
        Process process = new ProcessBuilder(venv.resolve("bin/python").toString(), "-c", script, modelDir.toString(),
                input.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the Booster.predict reference failed: " + Files.readString(log));
        }
        return Files.readString(log).strip();
    }
}
