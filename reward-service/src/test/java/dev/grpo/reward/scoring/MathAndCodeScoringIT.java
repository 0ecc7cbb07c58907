package dev.grpo.reward.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.DashboardMetrics;
import dev.grpo.testsupport.PrometheusExposition;
import dev.grpo.testsupport.ServiceBasicsContract;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** The math and code rules through {@code POST /api/v1/score}, on the real sandbox. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=" + ServiceBasicsContract.KEY,
      "grpo.reward.rule-timeout=10s",
      "grpo.ledger.reaper-interval=1h"
    })
class MathAndCodeScoringIT {

  static final Path DASHBOARD = Path.of("../deploy/grafana/dashboards/grpo-training.json");

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;

  @Test
  void programsAreScoredByTheFractionOfTestsTheyPass() {
    String tests =
        """
        {"cases": [{"input": "2 3", "output": "5"}, {"input": "10 -4", "output": "6"},
                   {"input": "0 0", "output": "0"}, {"input": "7 7", "output": "14"}]}
        """;
    String right = "```python\\na, b = map(int, input().split())\\nprint(a + b)\\n```";
    // wrong whenever a == b: passes 2 of 4 ("0 0" prints 0 only by luck of the formula)
    String half =
        "```python\\na, b = map(int, input().split())\\nprint(a + b if a != b else a)\\n```";
    String c =
        "```c\\n#include <stdio.h>\\nint main(){int a,b;scanf(\\\"%d %d\\\",&a,&b);"
            + "printf(\\\"%d\\\\n\\\",a+b);return 0;}\\n```";
    String body =
        """
        {"rules": [{"name": "code_execution", "weight": 1.0}],
         "items": [
           {"id": "right", "completion": "<answer>%s</answer>", "reference": {"tests": %s}},
           {"id": "half", "completion": "%s", "reference": {"tests": %s}},
           {"id": "c", "completion": "%s", "reference": {"tests": %s}},
           {"id": "nocode", "completion": "I think the answer is a+b.", "reference": {"tests": %s}},
           {"id": "notests", "completion": "%s"}
         ]}
        """
            .formatted(right, tests, half, tests, c, tests, tests, right);
    Response r = new ServiceHttp(port, ServiceBasicsContract.KEY).post("/api/v1/score", body);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(rule(results, 0).get("score").asDouble()).isEqualTo(1.0);
    assertThat(rule(results, 1).get("score").asDouble()).isEqualTo(0.75);
    assertThat(rule(results, 1).get("details").get("outcomes").toString())
        .isEqualTo("[\"PASSED\",\"PASSED\",\"PASSED\",\"WRONG_ANSWER\"]");
    assertThat(rule(results, 2).get("score").asDouble()).isEqualTo(1.0);
    assertThat(rule(results, 2).get("details").get("language").asString()).isEqualTo("c");
    assertThat(rule(results, 3).get("status").asString()).isEqualTo("OK");
    assertThat(rule(results, 3).get("score").asDouble()).isEqualTo(0.0);
    assertThat(rule(results, 4).get("status").asString()).isEqualTo("NOT_APPLICABLE");
    assertThat(rule(results, 4).get("score").isNull()).isTrue();
  }

  @Test
  void mathAccuracyAndFormatScoreAnR1Completion() {
    String body =
        """
        {"rules": [{"name": "math_accuracy", "weight": 1.0}, {"name": "format", "weight": 0.5}],
         "items": [
           {"id": "ok", "completion": "<think>\\n3/6 reduces\\n</think>\\n<answer>\\n\\\\frac{1}{2}\\n</answer>",
            "reference": {"answer": "0.5"}},
           {"id": "wrong", "completion": "<think>\\nguess\\n</think>\\n<answer>\\n2\\n</answer>",
            "reference": {"answer": "0.5"}},
           {"id": "nogold", "completion": "<think>\\nx</think>\\n<answer>2</answer>"}
         ]}
        """;
    Response r = new ServiceHttp(port, ServiceBasicsContract.KEY).post("/api/v1/score", body);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(rule(results, 0).get("score").asDouble()).isEqualTo(1.0);
    assertThat(results.get(0).get("total").asDouble()).isEqualTo(1.5);
    assertThat(rule(results, 1).get("score").asDouble()).isEqualTo(0.0);
    assertThat(results.get(1).get("total").asDouble()).isEqualTo(0.5);
    assertThat(rule(results, 2).get("status").asString()).isEqualTo("NOT_APPLICABLE");
    assertThat(results.get(2).get("total").isNull()).isTrue();
    assertThat(results.get(2).get("totalStatus").asString()).isEqualTo("INCOMPLETE");
  }

  /**
   * The reward half of "every metric the dashboard queries exists after a short run": score a batch
   * with a math, a format and a code rule, then read {@code /actuator/prometheus} as Prometheus
   * would.
   */
  @Test
  void afterScoringEveryRewardSandboxAndServiceMetricOfTheDashboardIsExposed() {
    String body =
        """
        {"rules": [{"name": "math_accuracy", "weight": 1.0}, {"name": "format", "weight": 0.5},
                   {"name": "code_execution", "weight": 1.0}],
         "items": [
           {"id": "math", "completion": "<think>\\nhalf\\n</think>\\n<answer>\\n0.5\\n</answer>",
            "reference": {"answer": "1/2"}},
           {"id": "code",
            "completion": "<think>\\nadd\\n</think>\\n<answer>```python\\nprint(sum(map(int, input().split())))\\n```</answer>",
            "reference": {"tests": [{"input": "2 3", "output": "5"}]}}
         ]}
        """;
    ServiceHttp http = new ServiceHttp(port, ServiceBasicsContract.KEY);
    Response r = http.post("/api/v1/score", body);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    assertThat(r.json().get("results").get(1).get("rules").get(2).get("score").asDouble())
        .isEqualTo(1.0);

    String text = http.get("/actuator/prometheus").raw().body();
    DashboardMetrics queried =
        DashboardMetrics.load(DASHBOARD)
            .metricsWithPrefix("reward_", "sandbox_", "jvm_", "http_", "hikaricp_");
    assertThat(queried.names())
        .contains(
            "reward_rule_duration_seconds_bucket",
            "reward_rule_results_total",
            "sandbox_execution_duration_seconds_bucket",
            "sandbox_executions_total",
            "http_server_requests_seconds_count");
    assertThat(queried.missingFrom(text)).as(queried.explainMissing(text)).isEmpty();

    PrometheusExposition exposition = PrometheusExposition.parse(text);
    assertThat(exposition.samples("sandbox_executions_total"))
        .anySatisfy(
            s ->
                assertThat(s.labels())
                    .containsEntry("language", "python")
                    .containsEntry("phase", "run")
                    .containsEntry("outcome", "ok")
                    .containsEntry("service", "reward-service"));
    assertThat(exposition.samples("reward_rule_duration_seconds_bucket"))
        .extracting(s -> s.labels().get("rule"))
        .contains("math_accuracy", "format", "code_execution");
  }

  private static JsonNode rule(JsonNode results, int i) {
    return results.get(i).get("rules").get(0);
  }
}
