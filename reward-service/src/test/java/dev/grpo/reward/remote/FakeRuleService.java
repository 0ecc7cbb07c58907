package dev.grpo.reward.remote;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A remote rule service on a free port. The first path segment picks the behaviour: {@code
 * /ok/score} scores each item with its completion's length (NOT_APPLICABLE when the completion is
 * "n/a"), {@code /fail} answers 500, {@code /slow} sleeps 3 s, {@code /wrongcount} drops a result,
 * {@code /okmissingscore} answers OK without a score, {@code /sick} fails its health check, {@code
 * /huge} answers 3 MiB, {@code /inf} scores 1e308, {@code /hang} never answers.
 */
final class FakeRuleService implements AutoCloseable {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  final HttpServer server;

  /** Every body posted to a {@code /score} path. */
  final List<JsonNode> calls = new CopyOnWriteArrayList<>();

  /** Calls to {@code /hang/score} received so far (they never answer). */
  final java.util.concurrent.atomic.AtomicInteger hanging =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Whether {@code /flaky/health} answers 200 (else 503). */
  volatile boolean flakyHealthy = true;

  FakeRuleService() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String mode) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + mode;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String[] parts = exchange.getRequestURI().getPath().split("/");
      String mode = parts.length > 1 ? parts[1] : "";
      String op = parts.length > 2 ? parts[2] : "";
      if (op.equals("rule")) {
        // not a reward-rule-starter service: it has no description of its settings
        send(exchange, 404, "{\"title\":\"no such endpoint\"}");
        return;
      }
      if (op.equals("health")) {
        boolean sick = mode.equals("sick") || (mode.equals("flaky") && !flakyHealthy);
        send(exchange, sick ? 503 : 200, "{\"status\":\"UP\"}");
        return;
      }
      JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
      calls.add(body);
      JsonNode items = body.get("items");
      switch (mode) {
        case "fail" -> send(exchange, 500, "{\"error\":\"boom\"}");
        case "slow" -> answerAfter(exchange, items, 3000);
        case "sluggish" -> answerAfter(exchange, items, 300);
        case "wrongcount" -> send(exchange, 200, results(items, items.size() - 1));
        case "okmissingscore" -> send(exchange, 200, "{\"results\":[{\"status\":\"OK\"}]}");
        case "huge" ->
            send(exchange, 200, "{\"results\":[], \"pad\": \"" + "x".repeat(3 << 20) + "\"}");
        case "inf" -> send(exchange, 200, "{\"results\":[{\"status\":\"OK\",\"score\":1e308}]}");
        case "hang" -> {
          hanging.incrementAndGet();
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        default -> send(exchange, 200, results(items, items.size()));
      }
    }
  }

  private static void answerAfter(HttpExchange exchange, JsonNode items, long millis)
      throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    send(exchange, 200, results(items, items.size()));
  }

  private static String results(JsonNode items, int count) {
    StringBuilder out = new StringBuilder("{\"results\":[");
    for (int i = 0; i < count; i++) {
      String completion = items.get(i).get("completion").asString();
      if (i > 0) {
        out.append(',');
      }
      if (completion.equals("n/a")) {
        out.append("{\"status\":\"NOT_APPLICABLE\",\"details\":{\"reason\":\"no idea\"}}");
      } else {
        out.append("{\"status\":\"OK\",\"score\":")
            .append(completion.length())
            .append(",\"details\":{\"length\":")
            .append(completion.length())
            .append("}}");
      }
    }
    return out.append("]}").toString();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
