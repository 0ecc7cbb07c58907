package dev.grpo.reward.remote;

import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      "grpo.reward.rule-timeout=10s",
      "grpo.reward.remote.health-interval=1h"
    })
class RemoteRuleApiIT {

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
  @Autowired RemoteRuleService remoteRules;
  ServiceHttp http;

  @BeforeEach
  void client() {
    http = new ServiceHttp(port, "test-key");
  }

  private static final String WELL_FORMED =
      "<think>\\nI add two and two, and the sum is four.\\n</think>\\n<answer>\\n4\\n</answer>";

  private static String unique(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  }

  private Response register(String name, String version, String url, int timeoutMs) {
    return http.post(
        "/api/v1/rules",
        "{\"name\": \""
            + name
            + "\", \"version\": \""
            + version
            + "\", \"url\": \""
            + url
            + "\", \"timeoutMs\": "
            + timeoutMs
            + "}");
  }

  private String registered(String mode, int timeoutMs) {
    String name = unique(mode);
    Response r = register(name, "1", fake.url(mode), timeoutMs);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
    return name;
  }

  private Response score(String remote, String items) {
    return http.post(
        "/api/v1/score",
        "{\"rules\": [{\"name\": \"format\", \"weight\": 1.0},"
            + " {\"name\": \""
            + remote
            + "\", \"weight\": 0.5}], \"items\": "
            + items
            + "}");
  }

  @Test
  void aRegisteredRuleScoresAGroupInOneCallWithExactTotals() {
    String name = registered("ok", 5000);
    int before = fake.calls.size();
    Response r =
        score(
            name,
            "[{\"id\": \"a\", \"groupId\": \"g\", \"completion\": \""
                + WELL_FORMED
                + "\"},"
                + " {\"id\": \"b\", \"groupId\": \"g\", \"completion\": \"plain\"},"
                + " {\"id\": \"c\", \"groupId\": \"g\", \"completion\": \"n/a\"}]");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    int wellFormedLength =
        "<think>\nI add two and two, and the sum is four.\n</think>\n<answer>\n4\n</answer>"
            .length();
    JsonNode a = results.get(0);
    assertThat(a.get("rules").get(1).get("status").asString()).isEqualTo("OK");
    assertThat(a.get("rules").get(1).get("score").asDouble()).isEqualTo(wellFormedLength);
    assertThat(a.get("total").asDouble()).isCloseTo(1.0 + 0.5 * wellFormedLength, within(1e-12));
    // b: format 0 + 0.5 × 5
    assertThat(results.get(1).get("total").asDouble()).isCloseTo(2.5, within(1e-12));
    JsonNode c = results.get(2);
    assertThat(c.get("rules").get(1).get("status").asString()).isEqualTo("NOT_APPLICABLE");
    assertThat(c.get("total").isNull()).isTrue();
    assertThat(c.get("totalStatus").asString()).isEqualTo("INCOMPLETE");
    // one call for the whole group, items in order
    assertThat(fake.calls.size() - before).isEqualTo(1);
    JsonNode sent = fake.calls.get(fake.calls.size() - 1).get("items");
    assertThat(sent.size()).isEqualTo(3);
    assertThat(sent.get(0).get("id").asString()).isEqualTo("a");
    assertThat(sent.get(2).get("id").asString()).isEqualTo("c");

    Response rules = http.get("/api/v1/rules");
    JsonNode listed = null;
    for (JsonNode rule : rules.json().get("rules")) {
      if (rule.get("name").asString().equals(name)) {
        listed = rule;
      }
      if (rule.get("name").asString().equals("format")) {
        assertThat(rule.get("remote").asBoolean()).isFalse();
      }
    }
    assertThat(listed).isNotNull();
    assertThat(listed.get("remote").asBoolean()).isTrue();
    assertThat(listed.get("url").asString()).isEqualTo(fake.url("ok"));
    assertThat(listed.get("version").asString()).isEqualTo("1");
    assertThat(listed.get("health").asString()).isEqualTo("UP");
  }

  @Test
  void aFailingServiceIsAnErrorNotAZero() {
    String name = registered("fail", 5000);
    Response r = score(name, "[{\"id\": \"a\", \"completion\": \"" + WELL_FORMED + "\"}]");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode a = r.json().get("results").get(0);
    JsonNode remote = a.get("rules").get(1);
    assertThat(remote.get("status").asString()).isEqualTo("ERROR");
    assertThat(remote.get("score").isNull()).isTrue();
    assertThat(remote.get("details").get("reason").asString()).contains("HTTP 500");
    assertThat(a.get("total").isNull()).isTrue();
    assertThat(a.get("totalStatus").asString()).isEqualTo("INCOMPLETE");
  }

  @Test
  void aSlowServiceIsATimeout() {
    String name = registered("slow", 300);
    Response r = score(name, "[{\"id\": \"a\", \"completion\": \"x\"}]");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode remote = r.json().get("results").get(0).get("rules").get(1);
    assertThat(remote.get("status").asString()).isEqualTo("TIMEOUT");
    assertThat(remote.get("score").isNull()).isTrue();
  }

  @Test
  void theWrongNumberOfResultsBreaksTheContract() {
    String name = registered("wrongcount", 5000);
    Response r =
        score(
            name,
            "[{\"id\": \"a\", \"groupId\": \"g\", \"completion\": \"x\"},"
                + " {\"id\": \"b\", \"groupId\": \"g\", \"completion\": \"y\"}]");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    for (JsonNode item : r.json().get("results")) {
      JsonNode remote = item.get("rules").get(1);
      assertThat(remote.get("status").asString()).isEqualTo("ERROR");
      assertThat(remote.get("details").get("reason").asString())
          .isEqualTo("remote rule broke the contract");
      assertThat(item.get("total").isNull()).isTrue();
    }
  }

  @Test
  void anOkWithoutAScoreBreaksTheContract() {
    String name = registered("okmissingscore", 5000);
    Response r = score(name, "[{\"id\": \"a\", \"completion\": \"x\"}]");
    JsonNode remote = r.json().get("results").get(0).get("rules").get(1);
    assertThat(remote.get("status").asString()).isEqualTo("ERROR");
    assertThat(remote.get("details").get("reason").asString())
        .isEqualTo("remote rule broke the contract");
  }

  @Test
  void aHostOffTheAllowListIsRejectedNamingUrl() {
    Response r = register(unique("far"), "1", "http://example.com:8080/rule", 1000);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
    assertThat(r.raw().body()).contains("\"url\"").contains("allow-list");
    Response scheme = register(unique("ftp"), "1", "ftp://localhost/rule", 1000);
    assertThat(scheme.status()).isEqualTo(400);
    assertThat(scheme.raw().body()).contains("\"url\"");
  }

  @Test
  void badFieldsAndBuiltInNamesAreRejected() {
    Response builtIn = register("format", "1", fake.url("ok"), 1000);
    assertThat(builtIn.status()).as(builtIn.raw().body()).isEqualTo(400);
    assertThat(builtIn.raw().body()).contains("\"name\"");
    Response bad = register("Bad-Name", "1", fake.url("ok"), 60_001);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.raw().body()).contains("\"name\"").contains("\"timeoutMs\"");
  }

  @Test
  void aFailingHealthCheckAtRegistrationIs422() {
    Response r = register(unique("sick"), "1", fake.url("sick"), 1000);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(422);
    assertThat(r.json().get("detail").asString())
        .isEqualTo("url: GET " + fake.url("sick") + "/health did not answer 2xx within 1000 ms");
  }

  /** An open port that answers 503 and a closed port read the same: no port scanning through us. */
  @Test
  void healthCheckErrorsDoNotTellOpenPortsFromClosedOnes() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String closedUrl = "http://127.0.0.1:" + closed + "/sick";
    long t0 = System.nanoTime();
    Response open = register(unique("sick"), "1", fake.url("sick"), 1000);
    long t1 = System.nanoTime();
    Response shut = register(unique("sick"), "1", closedUrl, 1000);
    long t2 = System.nanoTime();
    assertThat(shut.status()).isEqualTo(open.status()).isEqualTo(422);
    // nor by time: both are answered only after the whole 1000 ms timeout (a refusal would
    // otherwise come back in about a millisecond, the 503 in a few)
    assertThat(java.time.Duration.ofNanos(t1 - t0)).isGreaterThanOrEqualTo(ofMillis(1000));
    assertThat(java.time.Duration.ofNanos(t2 - t1)).isGreaterThanOrEqualTo(ofMillis(1000));
    assertThat(shut.json().get("detail").asString().replace(closedUrl, "U"))
        .isEqualTo(open.json().get("detail").asString().replace(fake.url("sick"), "U"));
  }

  @Test
  void registrationIsIdempotentAndConflictsOnAnotherUrl() {
    String name = unique("idem");
    Response first = register(name, "1", fake.url("ok"), 2000);
    assertThat(first.status()).as(first.raw().body()).isEqualTo(201);
    Response again = register(name, "1", fake.url("ok"), 2000);
    assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
    assertThat(again.json().get("url").asString()).isEqualTo(fake.url("ok"));
    Response otherUrl = register(name, "1", fake.url("fail"), 2000);
    assertThat(otherUrl.status()).isEqualTo(409);
    Response otherTimeout = register(name, "1", fake.url("ok"), 3000);
    assertThat(otherTimeout.status()).isEqualTo(409);
  }

  @Test
  void deleteDisablesTheRule() throws Exception {
    String name = registered("ok", 2000);
    HttpResponse<String> deleted =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/rules/" + name + "/1"))
                    .header("Authorization", "Bearer test-key")
                    .DELETE()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(deleted.statusCode()).isEqualTo(204);
    Response r = score(name, "[{\"id\": \"a\", \"completion\": \"x\"}]");
    assertThat(r.status()).isEqualTo(400);
    assertThat(http.get("/api/v1/rules").raw().body()).doesNotContain(name);
  }

  @Test
  void registeringNeedsTheApiKey() {
    Response r =
        http.withKey(null)
            .post(
                "/api/v1/rules",
                "{\"name\": \"nokey\", \"version\": \"1\", \"url\": \""
                    + fake.url("ok")
                    + "\", \"timeoutMs\": 1000}");
    assertThat(r.status()).isEqualTo(401);
  }

  private String health(String name) {
    for (JsonNode rule : http.get("/api/v1/rules").json().get("rules")) {
      if (rule.get("name").asString().equals(name)) {
        return rule.get("health").asString();
      }
    }
    return null;
  }

  @Test
  void theHealthCheckMarksARuleDownAndADownRuleIsNotCalled() {
    fake.flakyHealthy = true;
    String name = registered("flaky", 2000);
    try {
      fake.flakyHealthy = false;
      remoteRules.checkAll();
      assertThat(health(name)).isEqualTo("DOWN");
      int before = fake.calls.size();
      Response r = score(name, "[{\"id\": \"a\", \"completion\": \"x\"}]");
      JsonNode remote = r.json().get("results").get(0).get("rules").get(1);
      assertThat(remote.get("status").asString()).isEqualTo("ERROR");
      assertThat(remote.get("details").get("reason").asString()).isEqualTo("rule service down");
      assertThat(fake.calls.size()).isEqualTo(before);

      fake.flakyHealthy = true;
      remoteRules.checkAll();
      assertThat(health(name)).isEqualTo("UP");
      Response ok = score(name, "[{\"id\": \"a\", \"completion\": \"xy\"}]");
      assertThat(ok.json().get("results").get(0).get("total").asDouble())
          .isCloseTo(1.0, within(1e-12));
    } finally {
      fake.flakyHealthy = true;
    }
  }
}
