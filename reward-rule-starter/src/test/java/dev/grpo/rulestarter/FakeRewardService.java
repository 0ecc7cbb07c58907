package dev.grpo.rulestarter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code POST /api/v1/rules} of a reward service on a free port: answers the queued status codes in
 * turn (201 once the queue is empty) and records every call.
 */
final class FakeRewardService implements AutoCloseable {

  /** One recorded call. */
  record Call(String method, String path, String authorization, String contentType, String body) {}

  final HttpServer server;
  final List<Call> calls = new CopyOnWriteArrayList<>();
  final Queue<Integer> answers = new ConcurrentLinkedQueue<>();

  FakeRewardService(Integer... answers) throws IOException {
    this.answers.addAll(List.of(answers));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      calls.add(
          new Call(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              exchange.getRequestHeaders().getFirst("Authorization"),
              exchange.getRequestHeaders().getFirst("Content-Type"),
              body));
      Integer code = answers.poll();
      int status = code == null ? 201 : code;
      byte[] bytes =
          (status / 100 == 2 ? body : "{\"status\":" + status + ",\"detail\":\"no\"}")
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
