package dev.grpo.rollout.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An in-test vLLM OpenAI server: replays recorded responses from {@code src/test/resources/vllm/},
 * scripted per request (errors, slow answers), records what it was sent, and counts the requests it
 * had in flight at once.
 */
public final class FakeVllm implements AutoCloseable {

  /** One scripted answer to {@code POST /v1/completions}. */
  public record Reply(int status, String body, long delayMillis) {
    public static Reply ok(String fixture) {
      return new Reply(200, fixture(fixture), 0);
    }

    public static Reply error(int status, String fixture) {
      return new Reply(status, fixture(fixture), 0);
    }

    public static Reply slow(long delayMillis, String fixture) {
      return new Reply(200, fixture(fixture), delayMillis);
    }
  }

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  private volatile Reply fallback = Reply.ok("completions-n2.json");
  private volatile boolean down;
  private volatile int loraStatus = 200;
  private final List<JsonNode> completions = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonNode> loraLoads = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonNode> loraUnloads = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonNode> hookCalls = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonNode> diskUpdates = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonNode> rpcCalls = Collections.synchronizedList(new ArrayList<>());
  private final List<String> reloadsFrom = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger prefixResets = new AtomicInteger();
  private volatile Path servedPath;
  private volatile int reloadStatus = 200;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger healthChecks = new AtomicInteger();
  private final List<String> trace = Collections.synchronizedList(new ArrayList<>());

  private FakeVllm() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    server.setExecutor(executor);
    server.createContext("/v1/completions", this::completion);
    server.createContext(
        "/health",
        ex -> {
          healthChecks.incrementAndGet();
          send(ex, down ? 503 : 200, "");
        });
    server.createContext("/v1/models", ex -> send(ex, down ? 503 : 200, fixture("models.json")));
    server.createContext("/v1/load_lora_adapter", ex -> lora(ex, loraLoads, "added"));
    server.createContext("/v1/unload_lora_adapter", ex -> lora(ex, loraUnloads, "removed"));
    // SGLang's routes for the same
    server.createContext("/load_lora_adapter", ex -> lora(ex, loraLoads, "added"));
    server.createContext("/unload_lora_adapter", ex -> lora(ex, loraUnloads, "removed"));
    server.createContext(
        "/reload",
        ex -> {
          hookCalls.add(read(ex));
          send(ex, 200, "{\"status\":\"reloaded\"}");
        });
    server.createContext("/update_weights_from_disk", this::sglangUpdate);
    server.createContext(
        "/collective_rpc",
        ex -> {
          JsonNode body = read(ex);
          Path served = servedPath;
          // what a vLLM worker's reload_weights reads: the served path as it resolves now
          reloadsFrom.add(served == null ? "" : served.toRealPath().toString());
          rpcCalls.add(body);
          send(ex, reloadStatus, "{\"results\":[null]}");
        });
    server.createContext(
        "/reset_prefix_cache",
        ex -> {
          read(ex);
          prefixResets.incrementAndGet();
          send(ex, 200, "");
        });
    server.start();
  }

  private void sglangUpdate(HttpExchange ex) throws IOException {
    JsonNode body = read(ex);
    diskUpdates.add(body);
    boolean ok = reloadStatus == 200;
    send(
        ex,
        200,
        ok
            ? "{\"success\":true,\"message\":\"Succeeded to update model weights.\","
                + "\"num_paused_requests\":0}"
            : "{\"success\":false,\"message\":\"Failed to get weights iterator: shape"
                + " mismatch\",\"num_paused_requests\":0}");
  }

  /** SGLang's update_weights_from_disk requests, in order. */
  public List<JsonNode> diskUpdates() {
    synchronized (diskUpdates) {
      return List.copyOf(diskUpdates);
    }
  }

  /** vLLM's collective_rpc requests, in order. */
  public List<JsonNode> rpcCalls() {
    synchronized (rpcCalls) {
      return List.copyOf(rpcCalls);
    }
  }

  /** Where each reload_weights read from (the served path's target at the time). */
  public List<String> reloadsFrom() {
    synchronized (reloadsFrom) {
      return List.copyOf(reloadsFrom);
    }
  }

  public int prefixResets() {
    return prefixResets.get();
  }

  /** The path this fake vLLM was "started" on (its --model). */
  public void servedPath(Path path) {
    servedPath = path;
  }

  /** 200 makes reloads succeed; anything else makes them fail (SGLang: success false). */
  public void reloadStatus(int status) {
    reloadStatus = status;
  }

  public static FakeVllm start() {
    try {
      return new FakeVllm();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers the next requests with these replies, in order, then with the fallback. */
  public FakeVllm script(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  public FakeVllm fallback(Reply reply) {
    fallback = reply;
    return this;
  }

  /** A down server answers 503 to everything, health checks included. */
  public void down(boolean isDown) {
    down = isDown;
  }

  public void loraStatus(int status) {
    loraStatus = status;
  }

  /** Forgets requests and script; the fallback goes back to the n=2 fixture. */
  public void reset() {
    script.clear();
    fallback = Reply.ok("completions-n2.json");
    down = false;
    loraStatus = 200;
    completions.clear();
    loraLoads.clear();
    loraUnloads.clear();
    trace.clear();
    hookCalls.clear();
    diskUpdates.clear();
    rpcCalls.clear();
    reloadsFrom.clear();
    prefixResets.set(0);
    reloadStatus = 200;
    maxInFlight.set(0);
  }

  public List<JsonNode> completionRequests() {
    synchronized (completions) {
      return List.copyOf(completions);
    }
  }

  public List<JsonNode> loraLoads() {
    synchronized (loraLoads) {
      return List.copyOf(loraLoads);
    }
  }

  public List<JsonNode> loraUnloads() {
    synchronized (loraUnloads) {
      return List.copyOf(loraUnloads);
    }
  }

  public List<JsonNode> hookCalls() {
    synchronized (hookCalls) {
      return List.copyOf(hookCalls);
    }
  }

  public int maxInFlight() {
    return maxInFlight.get();
  }

  public int healthChecks() {
    return healthChecks.get();
  }

  /** Every adapter and completion request as received: {@code POST /path {body}}, in order. */
  public List<String> trace() {
    synchronized (trace) {
      return List.copyOf(trace);
    }
  }

  private void completion(HttpExchange ex) throws IOException {
    JsonNode body = read(ex);
    completions.add(body);
    trace.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + body);
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      Reply reply = down ? Reply.error(503, "error-503.json") : script.poll();
      if (reply == null) {
        reply = fallback;
      }
      if (reply.delayMillis() > 0) {
        Thread.sleep(reply.delayMillis());
      }
      send(ex, reply.status(), reply.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client gave up (a timeout); nothing to answer
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void lora(HttpExchange ex, List<JsonNode> calls, String verb) throws IOException {
    JsonNode body = read(ex);
    calls.add(body);
    trace.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + body);
    int status = loraStatus;
    send(
        ex,
        status,
        status == 200
            ? "Success: LoRA adapter '" + body.path("lora_name").asString() + "' " + verb
            : "{\"error\":{\"message\":\"cannot load adapter\",\"type\":\"BadRequestError\","
                + "\"code\":"
                + status
                + "}}");
  }

  private static JsonNode read(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return s.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(s);
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders()
        .add("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  /** A recorded response from {@code src/test/resources/vllm/}. */
  public static String fixture(String name) {
    try (InputStream in = FakeVllm.class.getResourceAsStream("/vllm/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
