package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.util.ArrayList;
import java.util.List;
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
      "grpo.trainer.api-key=k",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.enabled=false"
    })
class SweepApiIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  ServiceHttp http;

  @BeforeEach
  void client() {
    http = new ServiceHttp(port, "k");
  }

  private static final String SWEEP =
      """
      {"name": "kl", "base": {"algorithm": {"groupSize": 4}, "schedule": {"steps": 10}},
       "grid": {"beta": [0.0, 0.04], "temperature": [0.7, 1.0], "learningRate": [0.0005]}}
      """;

  @Test
  void oneRunPerGridPointWithThePointsValues() {
    Response r = http.post("/api/v1/sweeps", SWEEP);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
    UUID sweep = UUID.fromString(r.json().get("id").asString());
    assertThat(r.header("Location")).isEqualTo("/api/v1/sweeps/" + sweep);
    JsonNode runs = r.json().get("runs");
    assertThat(runs).hasSize(4);
    List<String> points = new ArrayList<>();
    for (JsonNode run : runs) {
      JsonNode point = run.get("point");
      points.add(
          point.get("beta").asDouble()
              + "/"
              + point.get("temperature").asDouble()
              + "/"
              + point.get("learningRate").asDouble());
      assertThat(run.get("state").asString()).isEqualTo("QUEUED");
      // the stored spec of the run carries the point and the base
      JsonNode spec = http.get("/api/v1/runs/" + run.get("runId").asString()).json().get("spec");
      assertThat(spec.get("algorithm").get("beta").asDouble())
          .isEqualTo(point.get("beta").asDouble());
      assertThat(spec.get("rollout").get("temperature").asDouble())
          .isEqualTo(point.get("temperature").asDouble());
      assertThat(spec.get("optimizer").get("learningRate").asDouble()).isEqualTo(0.0005);
      assertThat(spec.get("algorithm").get("groupSize").asInt()).isEqualTo(4);
      assertThat(spec.get("schedule").get("steps").asInt()).isEqualTo(10);
    }
    assertThat(points)
        .containsExactlyInAnyOrder(
            "0.0/0.7/5.0E-4", "0.0/1.0/5.0E-4", "0.04/0.7/5.0E-4", "0.04/1.0/5.0E-4");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM run WHERE sweep_id = ?", Integer.class, sweep))
        .isEqualTo(4);
  }

  @Test
  void getComparesFinalMetricsAndPicksTheBestEval() {
    JsonNode sweep = http.post("/api/v1/sweeps", SWEEP).json();
    String id = sweep.get("id").asString();
    List<UUID> runs = new ArrayList<>();
    sweep.get("runs").forEach(r -> runs.add(UUID.fromString(r.get("runId").asString())));
    double[] accuracy = {0.25, 0.75, 0.5, 0.1};
    for (int i = 0; i < 4; i++) {
      jdbc.update(
          "UPDATE run SET state = 'SUCCEEDED', current_step = 10 WHERE id = ?", runs.get(i));
      for (int s : new int[] {8, 9}) {
        jdbc.update(
            "INSERT INTO run_step (run_id, step_no, state, policy_version, metrics) VALUES (?, ?,"
                + " 'DONE', ?, ?::jsonb)",
            runs.get(i),
            s,
            s + 1,
            "{\"reward_mean\": " + (s == 9 ? 0.1 * i : 9.0) + ", \"kl\": 0.01}");
      }
      jdbc.update(
          "INSERT INTO run_eval (run_id, step_no, policy_version, metrics) VALUES (?, 10, 11,"
              + " ?::jsonb)",
          runs.get(i),
          "{\"accuracy\": " + accuracy[i] + ", \"format_rate\": 1.0}");
    }
    JsonNode view = http.get("/api/v1/sweeps/" + id).json();
    assertThat(view.get("bestBy").asString()).isEqualTo("eval_accuracy");
    assertThat(view.get("best").asString()).isEqualTo(runs.get(1).toString());
    for (JsonNode run : view.get("runs")) {
      int i = runs.indexOf(UUID.fromString(run.get("runId").asString()));
      JsonNode fin = run.get("finalMetrics");
      // the last DONE step's metrics, not an earlier one's
      assertThat(fin.get("reward_mean").asDouble()).isCloseTo(0.1 * i, within());
      assertThat(fin.get("eval_accuracy").asDouble()).isEqualTo(accuracy[i]);
      assertThat(run.get("state").asString()).isEqualTo("SUCCEEDED");
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-12);
  }

  @Test
  void aRetryWithTheSameKeyReplaysAndAnotherBodyIsRefused() {
    Response first = http.post("/api/v1/sweeps", SWEEP, "Idempotency-Key", "sweep-1");
    Response again = http.post("/api/v1/sweeps", SWEEP, "Idempotency-Key", "sweep-1");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM run WHERE sweep_id = ?::uuid",
                Integer.class,
                first.json().get("id").asString()))
        .isEqualTo(4);
    Response other =
        http.post("/api/v1/sweeps", SWEEP.replace("0.0005", "0.001"), "Idempotency-Key", "sweep-1");
    assertThat(other.status()).isEqualTo(422);
  }

  @Test
  void badGridsAndBadBaseSpecsNameTheFieldAndCreateNothing() {
    int before = jdbc.queryForObject("SELECT count(*) FROM run", Integer.class);
    Response axis = http.post("/api/v1/sweeps", "{\"grid\": {\"gamma\": [1], \"beta\": [\"x\"]}}");
    assertThat(axis.status()).isEqualTo(400);
    assertThat(axis.json().get("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("grid.gamma", "grid.beta[0]");
    Response base =
        http.post(
            "/api/v1/sweeps",
            "{\"base\": {\"algorithm\": {\"groupSize\": 1}}, \"grid\": {\"beta\": [0.0, 20.0]}}");
    assertThat(base.status()).isEqualTo(400);
    assertThat(base.json().get("errors").findValuesAsString("field"))
        .contains("base.algorithm.groupSize");
    Response big =
        http.post(
            "/api/v1/sweeps",
            "{\"grid\": {\"beta\": [1,2,3,4,5,6,7,8], \"temperature\": [0.1,0.2,0.3,0.4,0.5,"
                + "0.6,0.7,0.8,0.9]}}");
    assertThat(big.status()).isEqualTo(400);
    assertThat(big.json().get("errors").get(0).get("message").asString()).contains("72 points");
    assertThat(jdbc.queryForObject("SELECT count(*) FROM run", Integer.class)).isEqualTo(before);
    assertThat(http.get("/api/v1/sweeps/" + UUID.randomUUID()).status()).isEqualTo(404);
  }
}
