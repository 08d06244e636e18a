package io.lgbmops.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A small HTTP proxy on 127.0.0.1 in front of the emulator. It records every AWS call that
 * passes (operation, body) and lets a test answer chosen calls itself: to inject throttling or
 * 5xx, or to stand in for an API the emulator lacks (moto has no UpdateEndpoint).
 *
 * <p>The operation of a call is its {@code X-Amz-Target} header (e.g. {@code SageMaker.CreateModel},
 * {@code AnyScaleFrontendService.RegisterScalableTarget}); for REST calls (S3) it is
 * {@code "<METHOD> <path>"}.
 */
public final class FaultInjectingProxy implements AutoCloseable {

    /** One request as the SDK sent it. */
    public record Call(String method, String path, String operation, Map<String, List<String>> headers, byte[] body) {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
                new com.fasterxml.jackson.databind.ObjectMapper();

        /** The request body as JSON (the SageMaker and Application Auto Scaling protocols). */
        public com.fasterxml.jackson.databind.JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** A response, from the emulator or made up by a responder. */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/x-amz-json-1.1"),
                    body.getBytes(StandardCharsets.UTF_8));
        }

        /** An error as the AWS JSON protocol sends it (SageMaker, Application Auto Scaling). */
        /** SageMaker's answer to a request it refuses: 400 ValidationException with {@code message}. */
        public static Reply validationError(String message) {
            return awsJsonError(400, "ValidationException", message);
        }

        public static Reply awsJsonError(int status, String code, String message) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/x-amz-json-1.1");
            headers.put("x-amzn-ErrorType", code);
            String body = "{\"__type\":\"" + code + "\",\"message\":\"" + message.replace("\"", "'") + "\"}";
            return new Reply(status, headers, body.getBytes(StandardCharsets.UTF_8));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Answers a call, possibly after forwarding it; {@code null} means "forward unchanged". */
    @FunctionalInterface
    public interface Responder {
        Reply respond(Call call, Forwarder forwarder) throws IOException, InterruptedException;
    }

    /** Sends a call on to the emulator. */
    @FunctionalInterface
    public interface Forwarder {
        Reply forward(Call call) throws IOException, InterruptedException;
    }

    private static final class Rule {
        final Predicate<Call> match;
        final AtomicInteger remaining;
        final Responder responder;

        Rule(Predicate<Call> match, int times, Responder responder) {
            this.match = match;
            this.remaining = new AtomicInteger(times);
            this.responder = responder;
        }

        boolean claim(Call call) {
            if (!match.test(call)) {
                return false;
            }
            if (remaining.get() < 0) {
                return true;
            }
            return remaining.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0;
        }
    }

    private static final Set<String> HOP_BY_HOP = Set.of(
            "host", "content-length", "connection", "expect", "upgrade", "transfer-encoding", "keep-alive", "te",
            "proxy-connection", "http2-settings");

    private final URI target;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient http;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private FaultInjectingProxy(URI target) throws IOException {
        this.target = target;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 16);
        this.server.setExecutor(executor);
        this.server.createContext("/", this::handle);
        this.server.start();
    }

    public static FaultInjectingProxy start(URI target) {
        try {
            return new FaultInjectingProxy(target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not start the proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Lets {@code responder} answer the next {@code times} matching calls ({@code -1}: all of them).
     * The latest rule is asked first, so a test can override a standing one.
     */
    public void when(Predicate<Call> match, int times, Responder responder) {
        rules.add(0, new Rule(match, times, responder));
    }

    /** Answers the next {@code times} calls of {@code operation} with {@code reply}. */
    public void failNext(String operation, int times, Reply reply) {
        when(call -> operation.equals(call.operation()), times, (call, forwarder) -> reply);
    }

    /** Answers every call of {@code operation} with {@code reply}. */
    public void failAlways(String operation, Reply reply) {
        failNext(operation, -1, reply);
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<String> operations() {
        return calls.stream().map(Call::operation).toList();
    }

    public long count(String operation) {
        return calls.stream().filter(c -> operation.equals(c.operation())).count();
    }

    public List<Call> calls(String operation) {
        return calls.stream().filter(c -> operation.equals(c.operation())).toList();
    }

    /** Forgets the recorded calls and every rule. */
    public void reset() {
        rules.clear();
        calls.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Call call = read(exchange);
            calls.add(call);
            RecordedAwsCalls.append(call);
            Reply reply = null;
            for (Rule rule : rules) {
                if (rule.claim(call)) {
                    reply = rule.responder.respond(call, this::forward);
                    if (reply != null) {
                        break;
                    }
                }
            }
            if (reply == null) {
                reply = forward(call);
            }
            write(exchange, reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            byte[] body = ("proxy failure: " + e).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(502, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static Call read(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String path = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        String operation = target != null ? target : exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath();
        return new Call(exchange.getRequestMethod(), path, operation, headers, body);
    }

    private Reply forward(Call call) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.toString() + call.path()))
                .timeout(Duration.ofSeconds(30))
                .method(call.method(), call.body().length == 0
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(call.body()));
        call.headers().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, String> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                headers.put(name, String.join(",", values));
            }
        });
        return new Reply(response.statusCode(), headers, response.body());
    }

    private static void write(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        boolean noBody = reply.body().length == 0 || "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(reply.status(), noBody ? -1 : reply.body().length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply.body());
            }
        }
    }

    /** Operations whose name starts with {@code servicePrefix} (e.g. {@code "SageMaker."}), in call order. */
    public List<String> operationsOf(String servicePrefix) {
        List<String> result = new ArrayList<>();
        for (Call call : calls) {
            if (call.operation().startsWith(servicePrefix)) {
                result.add(call.operation());
            }
        }
        return result;
    }
}
