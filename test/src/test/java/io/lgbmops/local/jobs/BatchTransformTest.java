package io.lgbmops.local.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform emulation against a stand-in model server that answers each line with its
 * number of fields (so the test can see what the server was sent) and records each request.
 */
class BatchTransformTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

    private URI serve(Function<String, String> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/invocations", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            byte[] out = answer.apply(body).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/invocations");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** One answer per record: the record's number of fields. Every mini-batch ends with a newline. */
    private static String fieldCounts(String body) {
        List<String> answers = new ArrayList<>();
        for (String line : body.substring(0, body.length() - 1).split("\n", -1)) {
            answers.add(Integer.toString(line.split(",", -1).length));
        }
        return String.join("\n", answers);
    }

    @Test
    void transform_splitsIntoBatchesWithinThePayload_joinsInOrder_appliesBothFilters() throws Exception {
        URI url = serve(BatchTransformTest::fieldCounts);
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            lines.add("id" + i + "," + i + "," + (i * 2) + ",x");
        }
        Path input = Files.write(tmp.resolve("in.csv"), lines);
        long payload = 2048;
        BatchTransform transform = new BatchTransform(new BatchTransform.Settings(CsvJsonPath.parse("$[1:3]"),
                CsvJsonPath.parse("$[0,-1]"), true, payload, 3), url);

        BatchTransform.Stats stats = transform.transform(input, tmp.resolve("out/in.csv.out"), "in.csv");
        transform.close();

        List<String> out = Files.readAllLines(tmp.resolve("out/in.csv.out"));
        assertEquals(1000, out.size());
        for (int i = 1; i <= 1000; i++) {
            // the id kept by the OutputFilter, then the answer: the server saw the 2 fields of the InputFilter
            assertEquals("id" + i + ",2", out.get(i - 1));
        }
        assertEquals(1000, stats.records());
        assertEquals(bodies.size(), stats.miniBatches());
        assertTrue(bodies.size() >= 4, "several mini-batches: " + bodies.size());
        for (String body : bodies) {
            assertTrue(body.getBytes(StandardCharsets.UTF_8).length <= payload, "a mini-batch within MaxPayloadInMB");
            assertTrue(body.endsWith("\n") && !body.contains("id"), "whole filtered lines only");
        }
    }

    @Test
    void failsTransform_whenTheModelAnswersFewerLines_namingFileAndLines() throws Exception {
        URI url = serve(body -> "0.5");
        Path input = Files.write(tmp.resolve("in.csv"), List.of("1,2", "3,4"));
        BatchTransform transform = new BatchTransform(new BatchTransform.Settings(CsvJsonPath.parse("$"),
                CsvJsonPath.parse("$"), true, 1 << 20, 1), url);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> transform.transform(input, tmp.resolve("in.csv.out"), "in.csv"));
        transform.close();

        assertEquals("in.csv lines 1-2: the model answered 1 lines for 2 records; they cannot be joined", e.getMessage());
    }

    @Test
    void failsTransform_whenOneRecordIsLargerThanThePayload() throws Exception {
        URI url = serve(BatchTransformTest::fieldCounts);
        Path input = Files.write(tmp.resolve("in.csv"), List.of("1,2", "x".repeat(100)));
        BatchTransform transform = new BatchTransform(new BatchTransform.Settings(CsvJsonPath.parse("$"),
                CsvJsonPath.parse("$"), false, 50, 1), url);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> transform.transform(input, tmp.resolve("in.csv.out"), "in.csv"));
        transform.close();

        assertTrue(e.getMessage().startsWith("in.csv line 2: a record of 101 bytes is larger than MaxPayloadInMB"),
                e.getMessage());
    }
}
