package dev.grpo.trainer.step;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.RolloutRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link FakeServices} over real HTTP on a free local port, so a trainer talks to it through its
 * own HTTP clients: {@code POST /api/v1/rollouts}, {@code /api/v1/policies/sync} and {@code
 * /api/v1/score}. Every request must carry the bearer key.
 */
public final class FakeServiceServer implements AutoCloseable {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final HttpServer server;

  public FakeServiceServer(FakeServices fake, String apiKey) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    route("/api/v1/rollouts", RolloutRequest.class, fake::rollout, apiKey);
    route("/api/v1/policies/sync", PolicySyncRequest.class, fake::sync, apiKey);
    route("/api/v1/score", ScoreRequest.class, fake::score, apiKey);
    // a slow rollout must not hold up a sync or a score request, as with the real services
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private <T> void route(String path, Class<T> type, Function<T, Object> handler, String apiKey) {
    server.createContext(
        path,
        exchange -> {
          try {
            if (!("Bearer " + apiKey)
                .equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
              send(exchange, 401, "{\"title\": \"no key\"}");
              return;
            }
            T body = MAPPER.readValue(exchange.getRequestBody(), type);
            send(exchange, 200, MAPPER.writeValueAsString(handler.apply(body)));
          } catch (RuntimeException e) {
            send(exchange, 500, "{\"title\": \"" + e.getClass().getSimpleName() + "\"}");
          } finally {
            exchange.close();
          }
        });
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
