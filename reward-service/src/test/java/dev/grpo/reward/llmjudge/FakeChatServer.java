package dev.grpo.reward.llmjudge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI-compatible {@code /v1/chat/completions} on loopback for contract tests: answers with
 * whatever {@link #replies} makes of the request, or a status; records every request body and the
 * most calls it had in flight at once.
 */
final class FakeChatServer implements AutoCloseable {

  /** What to answer: a reply text (200) or an HTTP status without a body. */
  record Answer(int status, String content, long delayMillis) {
    static Answer reply(String content) {
      return new Answer(200, content, 0);
    }

    static Answer status(int status) {
      return new Answer(status, null, 0);
    }

    Answer after(long millis) {
      return new Answer(status, content, millis);
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpServer server;
  final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  volatile Function<JsonNode, Answer> replies = r -> Answer.reply("VERDICT: EQUIVALENT");

  FakeChatServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The user message of the {@code i}-th request. */
  String prompt(int i) {
    return requests.get(i).path("messages").path(0).path("content").asString();
  }

  private void handle(HttpExchange ex) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      JsonNode request = JSON.readTree(ex.getRequestBody().readAllBytes());
      requests.add(request);
      authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      Answer a = replies.apply(request);
      if (a.delayMillis() > 0) {
        Thread.sleep(a.delayMillis());
      }
      if (a.status() != 200) {
        ex.sendResponseHeaders(a.status(), -1);
        return;
      }
      var body = JSON.createObjectNode();
      body.put("id", "chatcmpl-1").put("object", "chat.completion");
      var choice = body.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", a.content());
      byte[] bytes = JSON.writeValueAsBytes(body);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.decrementAndGet();
      ex.close();
    }
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
