package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Steps per minute of real runs (the orchestrator, the ledger, the tiny model training) at {@code
 * rollout.maxStaleness} 0, 1 and 2, against a rollout service (over HTTP) whose generation takes as
 * long as the trainer's update: first a calibration run measures the median training phase, then
 * every rollout request sleeps that long. Prints a table; not part of the suite (the name matches
 * neither the unit nor the integration test pattern). Run it with:
 *
 * <pre>
 * ./mvnw -pl trainer-service -am -o verify -DskipITs -Dtest=AsyncRolloutBench \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true
 * </pre>
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=bench-key",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.poll-interval=100ms",
      "grpo.trainer.orchestrator.heartbeat-interval=1s",
      "grpo.trainer.orchestrator.retry-timeout=30s"
    })
class AsyncRolloutBench {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final int STEPS = Integer.getInteger("bench.steps", 12);
  private static final FakeServices FAKE =
      FakeServices.scoringTextAsNumber((item, k) -> k % 2 == 0 ? "1" : "0");
  private static FakeServiceServer services;

  @DynamicPropertySource
  static void wiring(DynamicPropertyRegistry registry) throws IOException {
    Engine.getInstance();
    SharedPostgres.register(registry);
    services = new FakeServiceServer(FAKE, "bench-key");
    var dataDir = Files.createTempDirectory("grpo-async-bench");
    registry.add("grpo.trainer.rollout-url", services::url);
    registry.add("grpo.trainer.reward-url", services::url);
    registry.add("grpo.trainer.data-dir", dataDir::toString);
  }

  @AfterAll
  static void stop() {
    services.close();
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  private record Row(int staleness, double stepsPerMinute, JsonNode lastAsync) {}

  @Test
  void stepsPerMinuteAtStaleness0And1And2() throws Exception {
    FAKE.rolloutTime = Duration.ZERO;
    UUID calibration = run("calibration", 0, 6);
    List<Double> training =
        jdbc.queryForList(
            "SELECT (phase_timings->>'training')::float8 FROM run_step"
                + " WHERE run_id = ? AND step_no > 0",
            Double.class,
            calibration);
    double trainSeconds = training.stream().sorted().toList().get(training.size() / 2);
    FAKE.rolloutTime = Duration.ofNanos((long) (trainSeconds * 1e9));

    List<Row> rows = new ArrayList<>();
    for (int s : new int[] {0, 1, 2}) {
      UUID run = run("staleness-" + s, s, STEPS);
      List<Map<String, Object>> steps =
          jdbc.queryForList(
              "SELECT step_no, EXTRACT(EPOCH FROM finished_at) AS done, metrics::text AS m"
                  + " FROM run_step WHERE run_id = ? ORDER BY step_no",
              run);
      double first = ((Number) steps.get(0).get("done")).doubleValue();
      double last = ((Number) steps.get(steps.size() - 1).get("done")).doubleValue();
      JsonNode async = MAPPER.readTree((String) steps.get(steps.size() - 1).get("m"));
      rows.add(new Row(s, (steps.size() - 1) * 60.0 / (last - first), async.get("rollout_async")));
    }

    StringBuilder table = new StringBuilder();
    table.append(
        "Asynchronous rollouts: tiny model, 8 prompts x G 4, 16 tokens; generation = training"
            + " step = %.3f s; %d steps a run, rate over steps 1..%d%n"
                .formatted(trainSeconds, STEPS, STEPS - 1));
    table.append(
        "| maxStaleness | steps/min | vs s = 0 | trainer idle | rollout idle | staleness mean |\n");
    table.append("|---|---|---|---|---|---|\n");
    double base = rows.get(0).stepsPerMinute();
    for (Row r : rows) {
      JsonNode a = r.lastAsync();
      table.append(
          "| %d | %.1f | %.2fx | %s | %s | %s |%n"
              .formatted(
                  r.staleness(),
                  r.stepsPerMinute(),
                  r.stepsPerMinute() / base,
                  a == null ? "-" : "%.2f".formatted(a.get("trainer_idle_ratio").asDouble()),
                  a == null ? "-" : "%.2f".formatted(a.get("rollout_idle_ratio").asDouble()),
                  a == null ? "0" : "%.2f".formatted(a.get("staleness_mean").asDouble())));
    }
    System.out.println(table);
  }

  private UUID run(String name, int staleness, int steps) throws Exception {
    String spec =
        """
        {"name": "%s", "seed": 11,
         "data": {"source": "generator", "generatorSize": 400, "evalFraction": 0.0},
         "algorithm": {"groupSize": 4, "beta": 0.0,
                       "rolloutCorrection": {"mode": "truncated_is", "cap": 2.0}},
         "rollout": {"maxTokens": 16, "maxStaleness": %d},
         "rewards": [{"rule": "math_accuracy"}],
         "schedule": {"steps": %d, "promptsPerStep": 8, "checkpointEvery": 0, "evalEvery": 0}}
        """
            .formatted(name, staleness, steps);
    Response created = new ServiceHttp(port, "bench-key").post("/api/v1/runs", spec);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    while (System.nanoTime() < deadline) {
      String state = jdbc.queryForObject("SELECT state FROM run WHERE id = ?", String.class, run);
      if (state.equals("SUCCEEDED")) {
        return run;
      }
      assertThat(state).isNotIn("FAILED", "CANCELLED");
      Thread.sleep(200);
    }
    throw new AssertionError(name + " did not finish");
  }
}
