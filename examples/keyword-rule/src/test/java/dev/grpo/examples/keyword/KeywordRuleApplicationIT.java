package dev.grpo.examples.keyword;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The packaged configuration (keywords add, carry, check) on a random port, called over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class KeywordRuleApplicationIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort int port;

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
  }

  @Test
  void scoresABatchWithABadItemItemByItem() throws Exception {
    String body =
        """
        {"items": [
          {"id": "full", "prompt": "17+25?", "reference": {"answer": "42", "tests": null, "language": "en"},
           "completion": "<think>Add the units: 7+5=12, write 2 and carry 1; check: 42-25=17.</think><answer>42</answer>"},
          {"id": "third", "prompt": "17+25?", "reference": null,
           "completion": "<think>I just add them.</think><answer>42</answer>"},
          {"id": "bad", "prompt": "17+25?", "reference": null, "completion": null},
          {"id": "bare", "prompt": "17+25?", "reference": null, "completion": "42"}
        ]}
        """;
    HttpResponse<String> r =
        send(
            at("/score")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode results = JSON.readTree(r.body()).get("results");
    assertThat(results.size()).isEqualTo(4);

    JsonNode full = results.get(0);
    assertThat(full.get("status").asString()).isEqualTo("OK");
    assertThat(full.get("score").asDouble()).isEqualTo(1.0);
    assertThat(full.get("details").get("found").toString())
        .isEqualTo("[\"add\",\"carry\",\"check\"]");

    JsonNode third = results.get(1);
    assertThat(third.get("status").asString()).isEqualTo("OK");
    assertThat(third.get("score").asDouble()).isCloseTo(1.0 / 3.0, within(1e-15));
    assertThat(third.get("details").get("missing").toString()).isEqualTo("[\"carry\",\"check\"]");

    JsonNode bad = results.get(2);
    assertThat(bad.get("status").asString()).isEqualTo("INVALID_INPUT");
    assertThat(bad.has("score")).isFalse();
    assertThat(bad.get("details").get("reason").asString()).isEqualTo("item 2 has no completion");

    JsonNode bare = results.get(3);
    assertThat(bare.get("status").asString()).isEqualTo("OK");
    assertThat(bare.get("score").asDouble()).isEqualTo(0.0);
    assertThat(bare.get("details").get("think").asString()).isEqualTo("missing");

    String metrics = send(at("/actuator/prometheus").GET()).body();
    assertThat(metrics)
        .contains(
            "reward_rule_results_total{rule=\"keyword_coverage\",service=\"keyword-rule\",status=\"INVALID_INPUT\"} 1.0")
        .contains(
            "reward_rule_duration_seconds_count{rule=\"keyword_coverage\",service=\"keyword-rule\"}");
  }

  @Test
  void aBodyWithoutItemsIsAProblem() throws Exception {
    HttpResponse<String> r =
        send(
            at("/score")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(JSON.readTree(r.body()).get("errors").get(0).get("field").asString())
        .isEqualTo("items");
  }

  @Test
  void answersTheHealthCheckAndDescribesItself() throws Exception {
    HttpResponse<String> health = send(at("/health").GET());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("status").asString()).isEqualTo("UP");

    JsonNode rule = JSON.readTree(send(at("/rule").GET()).body());
    assertThat(rule.get("name").asString()).isEqualTo("keyword_coverage");
    assertThat(rule.get("version").asString()).isEqualTo("1.0");
    assertThat(rule.get("params").get("keywords").toString())
        .isEqualTo("[\"add\",\"carry\",\"check\"]");
    assertThat(rule.get("timeBudgetMs").asLong()).isEqualTo(200);
    assertThat(rule.has("registration")).isFalse();
  }
}
