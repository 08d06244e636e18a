package io.lgbmops.local.jobs;

import io.lgbmops.local.execution.PipelineExecution;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Batch transform of one CSV file the way SageMaker runs it with {@code SplitType=Line} and
 * {@code BatchStrategy=MultiRecord}: the file is split into records at line ends, each record
 * goes through the InputFilter, consecutive records are packed into mini-batches of at most
 * MaxPayloadInMB, up to MaxConcurrentTransforms mini-batches are in flight to the model server
 * at once, each answer must hold one line per record, and with {@code JoinSource=Input} each
 * answer line is appended to its input record before the OutputFilter picks the fields written.
 * The output file has one line per input line, in input order ({@code AssembleWith=Line}).
 *
 * <p>A blank line is a record too (the server answers it with an error the selection counts), so
 * no input line can disappear from the output.
 */
public final class BatchTransform {

    /** How the job is configured. */
    public record Settings(CsvJsonPath inputFilter, CsvJsonPath outputFilter, boolean joinInput, long maxPayloadBytes,
                    int maxConcurrent) {
        public Settings {
            if (maxPayloadBytes < 1) {
                throw new IllegalArgumentException("MaxPayloadInMB must be at least 1");
            }
            if (maxConcurrent < 1) {
                throw new IllegalArgumentException("MaxConcurrentTransforms must be at least 1, got " + maxConcurrent);
            }
        }
    }

    /** What one file took. */
    public record Stats(long records, long miniBatches, long bytesSent) {
        public Stats plus(Stats other) {
            return new Stats(records + other.records, miniBatches + other.miniBatches, bytesSent + other.bytesSent);
        }
    }

    private record MiniBatch(long firstLine, List<String> records, String body) { }

    private final Settings settings;
    private final URI invocations;
    private final HttpClient http;
    private final ExecutorService pool;

    public BatchTransform(Settings settings, URI invocations) {
        this.settings = settings;
        this.invocations = invocations;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.pool = Executors.newFixedThreadPool(settings.maxConcurrent());
    }

    /** Transforms {@code input} into {@code output}; {@code shownAs} names the file in messages. */
    public Stats transform(Path input, Path output, String shownAs) throws IOException, InterruptedException {
        Files.createDirectories(output.toAbsolutePath().getParent());
        Deque<Future<List<String>>> inFlight = new ArrayDeque<>();
        Deque<MiniBatch> batches = new ArrayDeque<>();
        long records = 0;
        long miniBatches = 0;
        long bytesSent = 0;
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8);
             BufferedWriter writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            List<String> current = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            long bodyBytes = 0;
            long line = 0;
            long firstLine = 1;
            String record;
            while ((record = reader.readLine()) != null) {
                line++;
                String filtered = filterInput(record, shownAs, line);
                long size = filtered.getBytes(StandardCharsets.UTF_8).length + 1L;
                if (size > settings.maxPayloadBytes()) {
                    throw new IllegalStateException(shownAs + " line " + line + ": a record of " + size
                            + " bytes is larger than MaxPayloadInMB");
                }
                if (bodyBytes + size > settings.maxPayloadBytes()) {
                    miniBatches++;
                    bytesSent += bodyBytes;
                    submit(new MiniBatch(firstLine, current, body.toString()), shownAs, inFlight, batches);
                    drain(inFlight, batches, writer, shownAs, 2 * settings.maxConcurrent());
                    current = new ArrayList<>();
                    body = new StringBuilder();
                    bodyBytes = 0;
                    firstLine = line;
                }
                current.add(record);
                body.append(filtered).append('\n');
                bodyBytes += size;
                records++;
            }
            if (!current.isEmpty()) {
                miniBatches++;
                bytesSent += bodyBytes;
                submit(new MiniBatch(firstLine, current, body.toString()), shownAs, inFlight, batches);
            }
            drain(inFlight, batches, writer, shownAs, 0);
        }
        return new Stats(records, miniBatches, bytesSent);
    }

    private String filterInput(String record, String shownAs, long line) {
        try {
            return settings.inputFilter().applyToLine(record);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(shownAs + " line " + line + ": InputFilter " + e.getMessage());
        }
    }

    private void submit(MiniBatch batch, String shownAs, Deque<Future<List<String>>> inFlight, Deque<MiniBatch> batches) {
        batches.addLast(batch);
        inFlight.addLast(pool.submit(() -> invoke(batch, shownAs)));
    }

    /** Writes finished mini-batches, in order, until at most {@code keep} are in flight. */
    private void drain(Deque<Future<List<String>>> inFlight, Deque<MiniBatch> batches, BufferedWriter writer,
                       String shownAs, int keep) throws IOException, InterruptedException {
        while (inFlight.size() > keep) {
            List<String> answers;
            MiniBatch batch = batches.removeFirst();
            try {
                answers = inFlight.removeFirst().get();
            } catch (ExecutionException e) {
                inFlight.forEach(f -> f.cancel(true));
                Throwable cause = e.getCause();
                throw cause instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException(PipelineExecution.message(cause), cause);
            }
            for (int i = 0; i < answers.size(); i++) {
                String joined = settings.joinInput() ? batch.records().get(i) + "," + answers.get(i) : answers.get(i);
                String kept;
                try {
                    kept = settings.outputFilter().applyToLine(joined);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(shownAs + " line " + (batch.firstLine() + i) + ": OutputFilter "
                            + e.getMessage());
                }
                writer.write(kept);
                writer.write('\n');
            }
        }
    }

    private List<String> invoke(MiniBatch batch, String shownAs) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(invocations)
                .timeout(Duration.ofSeconds(600))
                .header("Content-Type", "text/csv")
                .header("Accept", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(batch.body()))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long last = batch.firstLine() + batch.records().size() - 1;
        if (response.statusCode() != 200) {
            throw new IllegalStateException(shownAs + " lines " + batch.firstLine() + "-" + last
                    + ": POST /invocations answered " + response.statusCode() + ": " + response.body().strip());
        }
        String text = response.body();
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        List<String> answers = List.of(text.split("\n", -1));
        if (answers.size() != batch.records().size()) {
            throw new IllegalStateException(shownAs + " lines " + batch.firstLine() + "-" + last + ": the model answered "
                    + answers.size() + " lines for " + batch.records().size() + " records; they cannot be joined");
        }
        return answers;
    }

    public void close() {
        pool.shutdownNow();
    }
}
