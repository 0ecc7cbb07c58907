package dev.grpo.reward.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.SharedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The service's limits seen from outside: sizes, a hung remote rule, and errors' media type. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      "grpo.reward.rule-timeout=2s",
      "grpo.reward.scoring-threads=2",
      "grpo.reward.max-request-size=1MB",
      "grpo.reward.max-completion-chars=5000",
      "grpo.reward.remote.health-interval=1h"
    })
class HostileTrafficIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final String PROBLEM = "application/problem+json";

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  static FakeRuleService fake;

  @BeforeAll
  static void startFake() throws Exception {
    fake = new FakeRuleService();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  @LocalServerPort int port;

  private record Answer(int status, String contentType, JsonNode json) {}

  private Answer send(String method, String path, HttpRequest.BodyPublisher body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer test-key")
            .header("Content-Type", "application/json")
            .method(method, body)
            .build();
    HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode json = r.body().isBlank() ? null : JSON.readTree(r.body());
    return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), json);
  }

  private Answer post(String path, String body) throws Exception {
    return send("POST", path, HttpRequest.BodyPublishers.ofString(body));
  }

  private static String formatOnly(String completion) {
    return "{\"rules\": [{\"name\": \"format\"}], \"items\": [{\"id\": \"a\", \"completion\": \""
        + completion
        + "\"}]}";
  }

  @Test
  void aHungRemoteRuleLeavesUnrelatedFormatRequestsAnswering() throws Exception {
    String name = "hang_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    Answer registered =
        post(
            "/api/v1/rules",
            "{\"name\": \""
                + name
                + "\", \"version\": \"1\", \"url\": \""
                + fake.url("hang")
                + "\", \"timeoutMs\": 20000}");
    assertThat(registered.status()).isEqualTo(201);
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"id\": \"")
          .append(i)
          .append("\", \"groupId\": \"g")
          .append(i)
          .append("\", \"completion\": \"x\"}");
    }
    String hungBatch = "{\"rules\": [{\"name\": \"" + name + "\"}], \"items\": [" + items + "]}";
    List<CompletableFuture<Answer>> hung = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      hung.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return post("/api/v1/score", hungBatch);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fake.hanging.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(fake.hanging.get()).isPositive();
    for (int i = 0; i < 5; i++) {
      Answer format =
          post("/api/v1/score", formatOnly("<think>\\na\\n</think>\\n<answer>\\n1\\n</answer>"));
      JsonNode rule = format.json().get("results").get(0).get("rules").get(0);
      assertThat(rule.get("status").asString()).isEqualTo("OK");
      assertThat(rule.get("score").asDouble()).isEqualTo(1.0);
    }
    assertThat(fake.hanging.get())
        .as("one slot of the bulkhead (2 scoring threads - 1)")
        .isEqualTo(1);
    Answer first = hung.get(0).get(60, TimeUnit.SECONDS);
    List<String> statuses = new ArrayList<>();
    first
        .json()
        .get("results")
        .forEach(r -> statuses.add(r.get("rules").get(0).get("status").asString()));
    assertThat(statuses).containsOnly("TIMEOUT");
  }

  @Test
  void aCompletionOverTheCharacterLimitScoresTheMinimumAsACompletionFault() throws Exception {
    Answer r = post("/api/v1/score", formatOnly("<think>" + "y".repeat(6000) + "</think>"));
    JsonNode item = r.json().get("results").get(0);
    assertThat(item.get("total").asDouble()).isEqualTo(0.0);
    JsonNode rule = item.get("rules").get(0);
    assertThat(rule.get("status").asString()).isEqualTo("OK");
    assertThat(rule.get("details").get("kind").asString()).isEqualTo("OVER_SIZE");
    assertThat(rule.get("details").get("scoredAs").asString()).isEqualTo("minimum");
  }

  @Test
  void bodiesOverTheByteLimitAre413ProblemsDeclaredOrChunked() throws Exception {
    String big = formatOnly("z".repeat(1_200_000));
    Answer declared = post("/api/v1/score", big);
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.contentType()).startsWith(PROBLEM);
    assertThat(declared.json().get("detail").asString())
        .isEqualTo("the request body is over the limit of 1048576 bytes");

    byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
    Answer chunked =
        send(
            "POST",
            "/api/v1/score",
            HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(bytes)));
    assertThat(chunked.status()).isEqualTo(413);
    assertThat(chunked.contentType()).startsWith(PROBLEM);
  }

  @Test
  void everyErrorIsAProblemDocument() throws Exception {
    Answer malformed = post("/api/v1/score", "{\"rules\": [");
    Answer notFound = send("GET", "/api/v1/nothing-here", HttpRequest.BodyPublishers.noBody());
    Answer wrongMethod = send("DELETE", "/api/v1/score", HttpRequest.BodyPublishers.noBody());
    for (Answer a : List.of(malformed, notFound, wrongMethod)) {
      assertThat(a.contentType()).as("status " + a.status()).startsWith(PROBLEM);
    }
    assertThat(Stream.of(malformed, notFound, wrongMethod).map(Answer::status))
        .containsExactly(400, 404, 405);
  }

  @Test
  void badSandboxFilesAre400NamingTheFieldNever500() throws Exception {
    Answer nullFile =
        post(
            "/api/v1/sandbox/run",
            "{\"code\": \"print(1)\", \"language\": \"python\", \"files\": {\"a\": null}}");
    Answer controlName =
        post(
            "/api/v1/sandbox/run",
            "{\"code\": \"print(1)\", \"language\": \"python\", \"files\": {\"a\\u0001b\": \"eA==\"}}");
    for (Answer a : List.of(nullFile, controlName)) {
      // 503 when this host cannot sandbox: validation then never runs
      if (a.status() == 503) {
        continue;
      }
      assertThat(a.status()).isEqualTo(400);
      assertThat(a.contentType()).startsWith(PROBLEM);
      assertThat(a.json().get("errors").get(0).get("field").asString()).isEqualTo("files");
    }
  }
}
