package dev.grpo.rulestarter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rule.RewardRule;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A web application with one {@link RewardRule} bean, called over HTTP as the reward service. */
@SpringBootTest(
    classes = RuleServiceIT.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"grpo.rule.max-batch=4", "grpo.rule.time-budget=2s"})
class RuleServiceIT {

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean
    RewardRule lengthRule() {
      return new RuleScorerTest.LengthRule() {
        @Override
        public String description() {
          return "the completion's length";
        }

        @Override
        public Map<String, Object> params() {
          return Map.of("unit", "chars");
        }
      };
    }
  }

  static FakeRewardService reward;

  @DynamicPropertySource
  static void rewardService(DynamicPropertyRegistry registry) throws IOException {
    reward = new FakeRewardService(503);
    registry.add("grpo.rule.register.url", reward::url);
    registry.add("grpo.rule.register.api-key", () -> "reward-key");
    registry.add("grpo.rule.register.backoff", () -> "50ms");
  }

  @AfterAll
  static void stopReward() {
    reward.close();
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort int port;
  @Autowired MeterRegistry meters;

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void scoresABatchAsTheRewardServiceSendsIt() throws Exception {
    double okBefore =
        meters.counter("reward.rule.results", "rule", "length_test", "status", "OK").count();
    // exactly what RemoteRule writes, plus a field a newer reward service might add
    HttpResponse<String> r =
        post(
            "/score",
            """
            {"items": [
              {"id": "a", "prompt": "2+2?", "completion": "four", "reference": {"answer": "4", "tests": null, "language": "en"}},
              {"id": "b", "prompt": "2+2?", "completion": null, "reference": null},
              {"id": "c", "prompt": "2+2?", "completion": "boom", "reference": null, "groupId": "g1"},
              {"id": "d", "prompt": null, "completion": "n/a", "reference": null}
            ]}
            """);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            "{\"results\":["
                + "{\"status\":\"OK\",\"score\":4.0,\"details\":{\"chars\":4}},"
                + "{\"status\":\"INVALID_INPUT\",\"details\":{\"reason\":\"item 1 has no completion\"}},"
                + "{\"status\":\"ERROR\",\"details\":{\"reason\":\"rule length_test threw"
                + " IllegalStateException: cannot score boom\","
                + "\"exception\":\"java.lang.IllegalStateException\",\"message\":\"cannot score boom\"}},"
                + "{\"status\":\"NOT_APPLICABLE\",\"details\":{\"reason\":\"nothing to compare\"}}"
                + "]}");
    assertThat(meters.counter("reward.rule.results", "rule", "length_test", "status", "OK").count())
        .isEqualTo(okBefore + 1);
    assertThat(meters.get("reward.rule.duration").tag("rule", "length_test").timer().count())
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void aBodyWithoutItemsIsAProblemNamingTheField() throws Exception {
    HttpResponse<String> r = post("/score", "{\"things\": []}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    JsonNode problem = JSON.readTree(r.body());
    assertThat(problem.get("type").asString())
        .isEqualTo("https://grpo.dev/problems/invalid-request");
    assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("items");
    assertThat(problem.get("errors").get(0).get("message").asString())
        .isEqualTo("must be an array of items");
  }

  @Test
  void aBodyThatIsNotJsonIsAProblem() throws Exception {
    HttpResponse<String> r = post("/score", "{\"items\": [");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(JSON.readTree(r.body()).get("detail").asString())
        .startsWith("the request body is not readable JSON");
  }

  @Test
  void aBatchOverTheLimitIs413() throws Exception {
    HttpResponse<String> r =
        post(
            "/score",
            "{\"items\": [{\"completion\": \"a\"}, {\"completion\": \"b\"}, {\"completion\": \"c\"},"
                + " {\"completion\": \"d\"}, {\"completion\": \"e\"}]}");
    assertThat(r.statusCode()).isEqualTo(413);
    JsonNode problem = JSON.readTree(r.body());
    assertThat(problem.get("type").asString())
        .isEqualTo("https://grpo.dev/problems/batch-too-large");
    assertThat(problem.get("detail").asString())
        .isEqualTo("a request may carry at most 4 items (grpo.rule.max-batch), this one has 5");
  }

  @Test
  void healthAndDescription() throws Exception {
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("status").asString()).isEqualTo("UP");
    assertThat(JSON.readTree(health.body()).get("rule").asString()).isEqualTo("length_test");

    JsonNode rule = JSON.readTree(get("/rule").body());
    assertThat(rule.get("name").asString()).isEqualTo("length_test");
    assertThat(rule.get("version").asString()).isEqualTo("1");
    assertThat(rule.get("description").asString()).isEqualTo("the completion's length");
    assertThat(rule.get("groupLevel").asBoolean()).isFalse();
    assertThat(rule.get("params").get("unit").asString()).isEqualTo("chars");
    assertThat(rule.get("timeBudgetMs").asLong()).isEqualTo(2000);
    assertThat(rule.get("maxBatch").asInt()).isEqualTo(4);
    assertThat(rule.get("virtualThreads").asBoolean()).isEqualTo(Runtime.version().feature() >= 21);
  }

  @Test
  void registersItselfWithTheRewardServiceAfterARetry() throws Exception {
    long until = System.currentTimeMillis() + 10_000;
    JsonNode registration = null;
    while (System.currentTimeMillis() < until) {
      registration = JSON.readTree(get("/rule").body()).get("registration");
      if (registration.get("state").asString().equals("REGISTERED")) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(registration.get("state").asString()).isEqualTo("REGISTERED");
    assertThat(registration.get("attempts").asInt()).isEqualTo(2);
    assertThat(registration.get("selfUrl").asString()).isEqualTo("http://localhost:" + port);
    assertThat(reward.calls).hasSize(2);
    JsonNode body = JSON.readTree(reward.calls.get(1).body());
    assertThat(body.get("name").asString()).isEqualTo("length_test");
    assertThat(body.get("url").asString()).isEqualTo("http://localhost:" + port);
    assertThat(body.get("timeoutMs").asInt()).isEqualTo(5000);
    assertThat(reward.calls.get(1).authorization()).isEqualTo("Bearer reward-key");
  }
}
