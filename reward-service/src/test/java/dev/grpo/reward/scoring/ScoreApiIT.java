package dev.grpo.reward.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.ledger.completion.CompletionWriter;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.completion.CompletionWriter.StoredCompletion;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      // the machine running the tests may be busy; time budgets are tested in ScoringEngineTest
      "grpo.reward.rule-timeout=10s",
      "grpo.reward.max-batch-items=2000"
    })
class ScoreApiIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired RunRepository runs;
  @Autowired CompletionWriter completions;
  ServiceHttp http;

  @BeforeEach
  void client() {
    http = new ServiceHttp(port, "test-key");
  }

  private static final String WELL_FORMED_EN =
      "<think>\\nI add two and two, and the sum is four.\\n</think>\\n<answer>\\n4\\n</answer>";

  /** format ×1, tag_count ×0.5, soft_overlong ×2 (L=100, C=20), language_consistency ×1. */
  private static final String FOUR_RULES =
      """
      "rules": [
        {"name": "format", "weight": 1.0},
        {"name": "tag_count", "weight": 0.5},
        {"name": "soft_overlong", "weight": 2.0,
         "params": {"max_completion_len": 100, "soft_punish_cache": 20}},
        {"name": "language_consistency", "weight": 1.0}
      ]
      """;

  @Test
  void aBatchGetsExactTotalsInOrderWithExplicitStatuses() {
    Response r =
        http.post(
            "/api/v1/score",
            "{"
                + FOUR_RULES
                + ", \"items\": ["
                + "{\"id\": \"a\", \"completion\": \""
                + WELL_FORMED_EN
                + "\", \"completionTokens\": 90, \"reference\": {\"language\": \"en\"}},"
                + "{\"id\": \"b\", \"completion\": \"<think>\\nhmm</think><answer>4</answer>\","
                + " \"completionTokens\": 50},"
                + "{\"id\": \"c\", \"completionTokens\": 10},"
                + "{\"id\": \"d\", \"completion\": \""
                + WELL_FORMED_EN
                + "\", \"completionTokens\": 120, \"reference\": {\"language\": \"en\"}}"
                + "]}");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(ids(results)).containsExactly("a", "b", "c", "d");

    // a: format 1, tags 4×0.25, overlong (80−90)/20 = −0.5, language 1.0 → 1 + 0.5 − 1 + 1
    JsonNode a = results.get(0);
    assertThat(scores(a)).containsExactly(1.0, 1.0, -0.5, 1.0);
    assertThat(a.get("total").asDouble()).isCloseTo(1.5, within(1e-12));
    assertThat(a.get("totalStatus").asString()).isEqualTo("COMPLETE");
    assertThat(a.get("rules").get(0).get("version").asString()).isEqualTo("1.0");

    // b: malformed (0), one tag of four (0.25), short (0), no language → NOT_APPLICABLE, not 0
    JsonNode b = results.get(1);
    assertThat(statuses(b)).containsExactly("OK", "OK", "OK", "NOT_APPLICABLE");
    assertThat(b.get("rules").get(3).get("score").isNull()).isTrue();
    assertThat(b.get("total").isNull()).isTrue();
    assertThat(b.get("totalStatus").asString()).isEqualTo("INCOMPLETE");
    assertThat(b.get("partialTotal").asDouble()).isCloseTo(0.125, within(1e-12));
    assertThat(b.get("missingRules").toString()).isEqualTo("[\"language_consistency\"]");

    // c: no completion → every rule INVALID_INPUT
    JsonNode c = results.get(2);
    assertThat(statuses(c)).containsOnly("INVALID_INPUT");
    assertThat(c.get("total").isNull()).isTrue();
    assertThat(c.get("partialTotal").asDouble()).isZero();

    // d: over the limit → −1 → 1 + 0.5 − 2 + 1
    assertThat(results.get(3).get("total").asDouble()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void theLengthRuleComparesWithinGroupIdThenWithinPrompt() {
    String items =
        """
        [{"id": "g1-10", "groupId": "g1", "prompt": "p", "completion": "aaaaaaaaaa", "correct": true},
         {"id": "g2-5",  "groupId": "g2", "prompt": "p", "completion": "aaaaa", "correct": true},
         {"id": "g1-20", "groupId": "g1", "prompt": "p", "completion": "aaaaaaaaaaaaaaaaaaaa", "correct": true},
         {"id": "g1-30", "groupId": "g1", "prompt": "p", "completion": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "correct": false},
         {"id": "g2-15", "groupId": "g2", "prompt": "p", "completion": "aaaaaaaaaaaaaaa", "correct": true},
         {"id": "q-4", "prompt": "q", "completion": "aaaa", "correct": true},
         {"id": "q-8", "prompt": "q", "completion": "aaaaaaaa", "correct": true},
         {"id": "alone", "completion": "aaaa", "correct": true}]
        """;
    Response r =
        http.post(
            "/api/v1/score", "{\"rules\": [{\"name\": \"length\"}], \"items\": " + items + "}");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    // λ = 0.5 − (len − min)/(max − min) per group; wrong answers get min(0, λ)
    assertThat(results.get(0).get("total").asDouble()).isCloseTo(0.5, within(1e-12));
    assertThat(results.get(1).get("total").asDouble()).isCloseTo(0.5, within(1e-12));
    assertThat(results.get(2).get("total").asDouble()).isCloseTo(0.0, within(1e-12));
    assertThat(results.get(3).get("total").asDouble()).isCloseTo(-0.5, within(1e-12));
    assertThat(results.get(4).get("total").asDouble()).isCloseTo(-0.5, within(1e-12));
    assertThat(results.get(5).get("total").asDouble()).isCloseTo(0.5, within(1e-12));
    assertThat(results.get(6).get("total").asDouble()).isCloseTo(-0.5, within(1e-12));
    assertThat(statuses(results.get(7))).containsExactly("NOT_APPLICABLE");
  }

  @Test
  void aBatchOf1024ItemsGives1024ResultsInOrder() {
    StringBuilder items = new StringBuilder();
    for (int k = 0; k < 1024; k++) {
      items.append(k == 0 ? "" : ",");
      String completion =
          k % 2 == 0
              ? "<think>\\nstep " + k + "\\n</think>\\n<answer>\\n" + k + "\\n</answer>"
              : "just " + k;
      items.append("{\"id\": \"i" + k + "\", \"completion\": \"" + completion + "\"}");
    }
    Response r =
        http.post(
            "/api/v1/score",
            "{\"rules\": [{\"name\": \"format\"}, {\"name\": \"tag_count\", \"weight\": 0.5},"
                + " {\"name\": \"repetition_penalty\"}], \"items\": ["
                + items
                + "]}");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(results.size()).isEqualTo(1024);
    for (int k = 0; k < 1024; k++) {
      JsonNode result = results.get(k);
      assertThat(result.get("id").asString()).isEqualTo("i" + k);
      assertThat(result.get("total").asDouble())
          .as("item %d", k)
          .isCloseTo(k % 2 == 0 ? 1.5 : 0.0, within(1e-12));
    }
  }

  @Test
  void rewardsOfStoredCompletionsAreWrittenOnceWhenTheSameRequestIsRetried() {
    UUID runId = UUID.randomUUID();
    runs.saveAndFlush(new Run(runId, "reward-ledger", "{}", null, null, Instant.now()));
    List<StoredCompletion> stored =
        completions.writeAll(
            List.of(
                new NewCompletion(
                    runId, 1, "item-1", 0, "x", new int[0], new float[0], "stop", 0, "t"),
                new NewCompletion(
                    runId, 1, "item-1", 1, "y", new int[0], new float[0], "stop", 0, "t")));
    long first = stored.get(0).id();
    long second = stored.get(1).id();
    String body =
        "{\"rules\": [{\"name\": \"format\"}, {\"name\": \"language_consistency\"}], \"items\": ["
            + "{\"id\": \"s0\", \"completionId\": "
            + first
            + ", \"completion\": \""
            + WELL_FORMED_EN
            + "\"},"
            + "{\"id\": \"s1\", \"completionId\": "
            + second
            + ", \"completion\": \"no format\"},"
            + "{\"id\": \"not-stored\", \"completion\": \"no format\"}]}";
    assertThat(http.post("/api/v1/score", body).status()).isEqualTo(200);
    Response again = http.post("/api/v1/score", body);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("results").size()).isEqualTo(3);

    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT completion_id, rule_id, rule_version, status, score FROM reward"
                + " WHERE completion_id IN (?, ?) ORDER BY completion_id, rule_id",
            first,
            second);
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0))
        .containsEntry("rule_id", "format")
        .containsEntry("status", "OK")
        .containsEntry("score", 1.0)
        .containsEntry("rule_version", "1.0");
    assertThat(rows.get(1))
        .containsEntry("rule_id", "language_consistency")
        .containsEntry("status", "NOT_APPLICABLE")
        .containsEntry("score", null);
    assertThat(rows.get(2)).containsEntry("score", 0.0);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM reward", Long.class))
        .as("the item without completionId is not stored")
        .isEqualTo(4L);

    Response unknown =
        http.post(
            "/api/v1/score",
            "{\"rules\": [{\"name\": \"format\"}], \"items\": [{\"completion\": \"x\"},"
                + " {\"completion\": \"x\", \"completionId\": 987654321}]}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(fields(unknown)).containsExactly("items[1].completionId");
  }

  @Test
  void scoringNeedsTheBearerKey() {
    String body = "{\"rules\": [{\"name\": \"format\"}], \"items\": []}";
    Response none = http.withKey(null).post("/api/v1/score", body);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.contentType()).startsWith("application/problem+json");
    assertThat(http.post("/api/v1/score", body).status()).isEqualTo(200);
  }

  @Test
  void badRulesAndParamsAre400ProblemsNamingEachField() {
    Response r =
        http.post(
            "/api/v1/score",
            """
            {"rules": [{"name": "no_such_rule"},
                       {"name": "cosine_length", "params": {"max_len": "long"}},
                       {"name": "reasoning_steps", "params": {"steps": 3}},
                       {"name": "format"}, {"name": "format"}],
             "items": [{"completion": "x"}]}
            """);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(fields(r))
        .containsExactly(
            "rules[0].name", "rules[1].params.max_len", "rules[2].params.steps", "rules[4].name");

    Response shape =
        http.post(
            "/api/v1/score",
            "{\"rules\": [], \"items\": [{\"completion\": 3, \"completionTokens\": \"many\"}],"
                + " \"extra\": 1}");
    assertThat(shape.status()).isEqualTo(400);
    assertThat(fields(shape)).contains("extra", "items[0].completionTokens");
  }

  @Test
  void aBatchOverTheLimitIs413() {
    StringBuilder items = new StringBuilder();
    for (int k = 0; k < 2001; k++) {
      items.append(k == 0 ? "" : ",").append("{\"completion\": \"x\"}");
    }
    Response r =
        http.post(
            "/api/v1/score", "{\"rules\": [{\"name\": \"format\"}], \"items\": [" + items + "]}");
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("detail").asString()).contains("2000");
  }

  @Test
  void theRuleListingShowsVersionsDescriptionsAndParams() {
    Response r = http.get("/api/v1/rules"); // reads need the key too
    assertThat(r.status()).isEqualTo(200);
    JsonNode rules = r.json().get("rules");
    List<String> names = new ArrayList<>();
    rules.forEach(rule -> names.add(rule.get("name").asString()));
    assertThat(names)
        .contains(
            "cosine_length",
            "format",
            "language_consistency",
            "length",
            "reasoning_steps",
            "repetition_penalty",
            "soft_overlong",
            "tag_count");
    JsonNode cosine = rule(rules, "cosine_length");
    assertThat(cosine.get("version").asString()).isEqualTo("1.0");
    assertThat(cosine.get("description").asString()).isNotBlank();
    assertThat(cosine.get("groupLevel").asBoolean()).isFalse();
    JsonNode maxLen = param(cosine, "max_len");
    assertThat(maxLen.get("type").asString()).isEqualTo("integer");
    assertThat(maxLen.get("default").asInt()).isEqualTo(1000);
    assertThat(maxLen.get("doc").asString()).isNotBlank();
    assertThat(param(cosine, "length_unit").get("choices").toString())
        .isEqualTo("[\"characters\",\"tokens\"]");
    assertThat(rule(rules, "length").get("groupLevel").asBoolean()).isTrue();
  }

  @Test
  void ruleMetricsAppearInPrometheusAfterScoring() {
    assertThat(
            http.post(
                    "/api/v1/score",
                    "{\"rules\": [{\"name\": \"tag_count\"}, {\"name\": \"language_consistency\"}],"
                        + " \"items\": [{\"completion\": \"x\"}]}")
                .status())
        .isEqualTo(200);
    String prometheus = http.get("/actuator/prometheus").raw().body();
    assertThat(prometheus)
        .containsPattern("reward_rule_duration_seconds_count\\{[^}]*rule=\"tag_count\"")
        .containsPattern(
            "reward_rule_results_total\\{[^}]*rule=\"tag_count\"[^}]*status=\"OK\"[^}]*\\} [1-9]")
        .containsPattern(
            "reward_rule_results_total\\{[^}]*rule=\"language_consistency\"[^}]*"
                + "status=\"NOT_APPLICABLE\"[^}]*\\} [1-9]");
  }

  @Test
  void theOpenApiDocumentDescribesTheScoringBodies() {
    Response r = http.get("/v3/api-docs");
    assertThat(r.status()).isEqualTo(200);
    JsonNode schemas = r.json().get("components").get("schemas");
    assertThat(schemas.has("ScoreRequest")).isTrue();
    assertThat(schemas.has("ScoreResponse")).isTrue();
    assertThat(schemas.has("RuleCatalog")).isTrue();
    assertThat(schemas.has("OpenRlhfRequest")).isTrue();
  }

  private static JsonNode rule(JsonNode rules, String name) {
    for (JsonNode rule : rules) {
      if (rule.get("name").asString().equals(name)) {
        return rule;
      }
    }
    throw new AssertionError("no rule " + name);
  }

  private static JsonNode param(JsonNode rule, String name) {
    for (JsonNode p : rule.get("params")) {
      if (p.get("name").asString().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no param " + name);
  }

  private static List<String> ids(JsonNode results) {
    List<String> ids = new ArrayList<>();
    results.forEach(r -> ids.add(r.get("id").asString()));
    return ids;
  }

  private static List<Double> scores(JsonNode result) {
    List<Double> scores = new ArrayList<>();
    result.get("rules").forEach(r -> scores.add(r.get("score").asDouble()));
    return scores;
  }

  private static List<String> statuses(JsonNode result) {
    List<String> statuses = new ArrayList<>();
    result.get("rules").forEach(r -> statuses.add(r.get("status").asString()));
    return statuses;
  }

  private static List<String> fields(Response r) {
    List<String> fields = new ArrayList<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asString()));
    return fields;
  }
}
