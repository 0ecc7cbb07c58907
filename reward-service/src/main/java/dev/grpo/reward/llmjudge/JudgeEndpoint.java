package dev.grpo.reward.llmjudge;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One OpenAI-compatible chat endpoint the judge may call ({@code POST {url}/v1/chat/completions}),
 * configured by the operator, never by a run: at most {@code maxConcurrency} calls in flight, each
 * answer at most {@link #MAX_RESPONSE_BYTES}, and retries with exponential back-off on a refused
 * connection, 429 and 5xx, all within the caller's deadline.
 */
public final class JudgeEndpoint {

  /** A larger answer is a broken endpoint, not a verdict. */
  static final int MAX_RESPONSE_BYTES = 256 * 1024;

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final long FIRST_BACKOFF_MILLIS = 100;

  /**
   * @param name what runs call it by (the rule's {@code endpoint} param)
   * @param url base URL, e.g. {@code http://judge:8000} ({@code /v1/chat/completions} is added)
   * @param model the {@code model} of every request
   * @param apiKey sent as a bearer token when not blank
   * @param maxConcurrency calls in flight at most
   */
  public record Settings(
      String name, URI url, String model, String apiKey, int maxConcurrency, int maxTokens) {
    public Settings {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(url, "url");
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("judge endpoint " + name + ": model is required");
      }
      if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
        throw new IllegalArgumentException("judge endpoint " + name + ": url must be http(s)");
      }
      if (maxConcurrency < 1 || maxTokens < 1) {
        throw new IllegalArgumentException(
            "judge endpoint " + name + ": maxConcurrency and maxTokens must be positive");
      }
    }
  }

  /** Why a call gave no answer. */
  static final class CallFailed extends Exception {
    private final boolean timedOut;

    CallFailed(String message, boolean timedOut) {
      super(message, null, false, false);
      this.timedOut = timedOut;
    }

    boolean timedOut() {
      return timedOut;
    }
  }

  private final Settings settings;
  private final HttpClient http;
  private final Semaphore slots;
  private final URI chatUri;

  public JudgeEndpoint(Settings settings) {
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.slots = new Semaphore(settings.maxConcurrency(), true);
    String base = settings.url().toString().replaceAll("/+$", "");
    this.chatUri = URI.create(base + "/v1/chat/completions");
  }

  public Settings settings() {
    return settings;
  }

  /**
   * The assistant message's content for one user message at temperature 0.
   *
   * @param deadline {@link System#nanoTime} by which an answer is needed
   * @throws CallFailed when no answer came: timed out, or the endpoint failed past its retries
   */
  String complete(String userMessage, long deadline) throws CallFailed {
    try {
      if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new CallFailed(
            "no judge slot free within the budget (" + settings.maxConcurrency() + " in flight)",
            true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CallFailed("interrupted", true);
    }
    try {
      return withRetries(body(userMessage), deadline);
    } finally {
      slots.release();
    }
  }

  private String withRetries(byte[] body, long deadline) throws CallFailed {
    long backoff = FIRST_BACKOFF_MILLIS;
    String last = "no attempt";
    for (int attempt = 1; ; attempt++) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        // the budget ran out between attempts: the endpoint failed, it was not slow
        throw new CallFailed(
            "judge failed " + (attempt - 1) + " times within the budget; last: " + last,
            attempt == 1);
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(chatUri)
              .timeout(Duration.ofNanos(left))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
        request.header("Authorization", "Bearer " + settings.apiKey());
      }
      Duration retryAfter = null;
      try {
        HttpResponse<byte[]> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        if (status / 100 == 2) {
          return content(response.body());
        }
        last = "HTTP " + status;
        if (status != 429 && status / 100 != 5) {
          throw new CallFailed("judge endpoint answered " + last + " (not retried)", false);
        }
        retryAfter = retryAfter(response);
      } catch (java.net.http.HttpConnectTimeoutException e) {
        last = "connect timeout"; // a dead replica: retried like a refused connection
      } catch (java.net.http.HttpTimeoutException e) {
        throw new CallFailed("judge gave no answer within the budget", true);
      } catch (IOException e) {
        last = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CallFailed("interrupted", true);
      }
      long wait = retryAfter != null ? retryAfter.toMillis() : backoff;
      if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) >= deadline) {
        throw new CallFailed(
            "judge failed " + attempt + " times within the budget; last: " + last, false);
      }
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CallFailed("interrupted", true);
      }
      backoff = Math.min(backoff * 2, 5_000);
    }
  }

  private byte[] body(String userMessage) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", settings.model());
    b.putArray("messages").addObject().put("role", "user").put("content", userMessage);
    b.put("temperature", 0.0);
    b.put("max_tokens", settings.maxTokens());
    b.put("n", 1);
    return JSON.writeValueAsBytes(b);
  }

  private static String content(byte[] body) throws CallFailed {
    if (body.length > MAX_RESPONSE_BYTES) {
      throw new CallFailed("judge answer over " + MAX_RESPONSE_BYTES + " bytes", false);
    }
    try {
      JsonNode c = JSON.readTree(body).path("choices").path(0).path("message").path("content");
      if (!c.isString()) {
        throw new CallFailed("judge answer has no choices[0].message.content", false);
      }
      return c.asString();
    } catch (JacksonException e) {
      throw new CallFailed(
          "judge answer is not JSON: "
              + new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8),
          false);
    }
  }

  private static Duration retryAfter(HttpResponse<?> response) {
    Optional<String> h = response.headers().firstValue("Retry-After");
    if (h.isEmpty()) {
      return null;
    }
    try {
      long s = Long.parseLong(h.get().trim());
      return s >= 0 && s <= 60 ? Duration.ofSeconds(s) : null;
    } catch (NumberFormatException httpDate) {
      return null;
    }
  }
}
