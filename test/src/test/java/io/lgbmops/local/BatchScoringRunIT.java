package io.lgbmops.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.deploy.MotoServer;
import io.lgbmops.local.emulator.AwsClients;
import io.lgbmops.local.emulator.S3Store;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.local.RunnerJar.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch pipeline end to end, as a user runs it: a training run registers an Approved churn
 * model in the emulator, then {@code --pipeline batch} scores two files (one headerless, one with
 * the contract's header and three bad rows in the middle) with it. Checked: every input line once
 * in the output, in order, with its id; the selection equals a top-K pandas computes from the
 * transform output; the bad rows are reported by file and line and fail the job above the limit.
 */
class BatchScoringRunIT {

    private static final long TIMEOUT_MINUTES = 6;
    private static final int TOP_K = 100;
    /** Lines of part-2.csv (1-based, the header is line 1) that cannot be scored. */
    private static final List<Integer> BAD_LINES = List.of(101, 501, 901);

    private final RunnerJar runner = RunnerJar.built(TIMEOUT_MINUTES);
    private final Path root = runner.root();

    @TempDir
    Path tmp;

    @Test
    void batch_onChurn_scoresEveryRowInOrderWithItsId_selectsThePandasTopK_reportsBadRows() throws Exception {
        try (MotoServer moto = MotoServer.start(); AwsClients aws = new AwsClients(moto.endpoint())) {
            Run trained = run("train", "--definition", root.resolve("pipeline-spec/target/pipeline-definition.json").toString(),
                    "--dataset", root.resolve("datasets/churn.json").toString(),
                    "--data", root.resolve("datasets/churn/mlc_churn.csv").toString(),
                    "--param", "MaxTuningJobs=2", "--param", "MaxParallelTuningJobs=2", "--param", "F1Threshold=0.6",
                    "--param", "ModelApprovalStatus=Approved", "--smoke-rows", "0",
                    "--endpoint-url", moto.endpoint().toString());
            assertEquals(0, trained.exitCode(), trained.output());
            Path data = writeInputs(tmp.resolve("data"));

            Run scored = batch(moto, data, "0.01");

            assertEquals(0, scored.exitCode(), scored.output());
            JsonNode transform = scored.step("Score");
            S3Uri outputPath = S3Uri.parse(transform.at("/details/outputPath").asText());
            S3Store s3 = new S3Store(aws.s3());
            Path outputs = tmp.resolve("outputs");
            s3.downloadPrefix(outputPath.resolve(""), outputs);
            for (String name : List.of("part-1.csv", "part-2.csv")) {
                List<String> in = Files.readAllLines(data.resolve(name));
                List<String> out = Files.readAllLines(outputs.resolve(name + ".out"));
                assertEquals(in.size(), out.size(), name + ": one output line per input line");
                for (int i = 0; i < in.size(); i++) {
                    String id = in.get(i).split(",", -1)[0];
                    String[] fields = out.get(i).split(",", 2);
                    assertEquals(id, fields[0], name + " line " + (i + 1) + ": its id, in order");
                    boolean bad = name.equals("part-2.csv") && BAD_LINES.contains(i + 1);
                    if (i == 0 && name.equals("part-2.csv")) {
                        assertEquals("customer_id,probability", out.get(i), "the header line's answer");
                    } else if (bad) {
                        // Either the server's error, or no score at all: a cut-off row's answer lands before
                        // the fields the OutputFilter keeps.
                        assertTrue(fields.length == 1 || fields[1].replace("\"", "").startsWith("error: "), out.get(i));
                    } else {
                        double p = Double.parseDouble(fields[1]);
                        assertTrue(p >= 0 && p <= 1, out.get(i));
                    }
                }
            }

            JsonNode selection = scored.summary().path("selection");
            assertEquals(4997, selection.path("rows_scored").asInt(), selection.toString());
            assertEquals(3, selection.path("bad_rows").asInt(), selection.toString());
            assertEquals(TOP_K, selection.path("rows_selected").asInt(), selection.toString());
            List<Integer> reportedLines = new ArrayList<>();
            for (JsonNode bad : selection.path("bad_row_examples")) {
                assertEquals("part-2.csv", bad.path("file").asText(), bad.toString());
                reportedLines.add(bad.path("line").asInt());
            }
            assertEquals(BAD_LINES, reportedLines, selection.toString());
            S3Uri summaryUri = S3Uri.parse(scored.step("Select").at("/details/propertyFiles/SelectionSummary").asText());
            Path selected = tmp.resolve("selected.csv");
            s3.download(new S3Uri(summaryUri.bucket(), summaryUri.key().replace("summary.json", "selected.csv")), selected);
            List<String> selectedIds = Files.readAllLines(selected).stream().skip(1).map(l -> l.split(",")[2]).toList();
            assertEquals(pandasTopK(outputs), selectedIds);

            Run strict = batch(moto, data, "0.0001");

            assertEquals(1, strict.exitCode(), strict.output());
            String reason = strict.summary().path("failureReason").asText();
            assertTrue(reason.contains("3 of 5000 rows (0.06%) could not be scored, above --max-bad-row-fraction 0.0001")
                    && reason.contains("part-2.csv line 101"), reason);
        }
    }

    private Run batch(MotoServer moto, Path data, String maxBadRowFraction) throws IOException, InterruptedException {
        return run("batch-" + maxBadRowFraction, "--pipeline", "batch", "--dataset", root.resolve("datasets/churn.json").toString(),
                "--data", data.toString(), "--param", "TopK=" + TOP_K, "--param", "MaxBadRowFraction=" + maxBadRowFraction,
                "--endpoint-url", moto.endpoint().toString());
    }

    /**
     * Rows to score: the churn table without its label, in contract order. part-1.csv: the first
     * 3000 rows, headerless; part-2.csv: the contract's header and the other 2000 rows, with a
     * non-number in a numeric column, a row of only its id and a cut-off row in the middle.
     */
    private Path writeInputs(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> table = Files.readAllLines(root.resolve("datasets/churn/mlc_churn.csv"));
        List<String> rows = table.stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
        Files.write(dir.resolve("part-1.csv"), rows.subList(1, 3001));
        List<String> second = new ArrayList<>();
        second.add(rows.get(0));
        second.addAll(rows.subList(3001, rows.size()));
        String[] fields = second.get(100).split(",");
        fields[2] = "abc"; // account_length is numeric
        second.set(100, String.join(",", fields));
        second.set(500, second.get(500).split(",")[0] + ",");
        second.set(900, String.join(",", List.of(second.get(900).split(",")).subList(0, 10)));
        Files.write(dir.resolve("part-2.csv"), second);
        return dir;
    }

    /** The top K of the transform output, computed by pandas, independently of the select step. */
    private List<String> pandasTopK(Path outputs) throws IOException, InterruptedException {
        Path venv = Path.of(System.getProperty("venv.dir", root.resolve(".venv").toString()));
        String script = String.join("\n",
                "import sys, pandas as pd",
                "frames = []",
                "for name in ['part-1.csv.out', 'part-2.csv.out']:",
                "    f = pd.read_csv(sys.argv[1] + '/' + name, header=None, names=['id', 'score'], dtype=str,",
                "                    keep_default_na=False)",
                "    f['score'] = pd.to_numeric(f.score, errors='coerce')  # header, errors, no score: NaN",
                "    frames.append(f.dropna(subset=['score']))",
                "rows = pd.concat(frames, ignore_index=True)",
                "top = rows.sort_values('score', ascending=False, kind='stable').head(int(sys.argv[2]))",
                "print('\\n'.join(top.id))");
        Path log = tmp.resolve("pandas.log");
        Process process = new ProcessBuilder(venv.resolve("bin/python").toString(), "-c", script, outputs.toString(),
                Integer.toString(TOP_K)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES) && process.exitValue() == 0, Files.readString(log));
        return Files.readAllLines(log, StandardCharsets.UTF_8);
    }


    private Run run(String label, String... args) throws IOException, InterruptedException {
        return runner.run(tmp, label, tmp.resolve("work"), List.of(args));
    }
}
