package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.train.Checkpointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A PPO run through the orchestrator (real PostgreSQL, the trainer's HTTP clients, fake rollout and
 * reward services as in {@link RunOrchestratorIT}): its step rows carry the critic's metrics and
 * the memory numbers, its checkpoints after step 0 carry the critic and its optimizer (listed in
 * the manifest, so {@link Checkpointer#open} verifies them), and a critic option without ppo is a
 * 400 naming the field, with nothing created.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=it-key",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.poll-interval=200ms",
      "grpo.trainer.orchestrator.heartbeat-interval=1s",
      "grpo.trainer.orchestrator.retry-timeout=5s"
    })
class PpoRunIT {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final FakeServices FAKE =
      FakeServices.scoringTextAsNumber((item, k) -> k == 0 ? "1" : "0");

  private static FakeServiceServer services;
  private static Path dataDir;

  @DynamicPropertySource
  static void wiring(DynamicPropertyRegistry registry) throws IOException {
    Engine.getInstance();
    SharedPostgres.register(registry);
    services = new FakeServiceServer(FAKE, "it-key");
    dataDir = Files.createTempDirectory("grpo-ppo-it");
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

  @Test
  void aPpoRunRecordsItsCriticAndCheckpointsIt() throws Exception {
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "ppo", "seed": 5,
                 "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.0},
                 "algorithm": {"groupSize": 2, "beta": 0.0, "policyLoss": "ppo", "muIterations": 2,
                               "valueModel": {"kind": "separate", "learningRate": 0.01}},
                 "optimizer": {"learningRate": 0.01},
                 "rollout": {"maxTokens": 8},
                 "rewards": [{"rule": "math_accuracy"}],
                 "schedule": {"steps": 2, "promptsPerStep": 2, "checkpointEvery": 1}}
                """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    assertThat(awaitEnd(run)).containsEntry("state", "SUCCEEDED").containsEntry("current_step", 2);

    for (int step = 0; step < 2; step++) {
      JsonNode m =
          MAPPER.readTree(
              jdbc.queryForObject(
                  "SELECT metrics::text FROM run_step WHERE run_id = ? AND step_no = ?",
                  String.class,
                  run,
                  step));
      JsonNode ppo = m.get("ppo");
      assertThat(ppo).as("ppo metrics of step %d", step).isNotNull();
      assertThat(ppo.get("value_loss").asDouble()).isPositive();
      assertThat(ppo.get("value_clip_fraction").asDouble()).isBetween(0.0, 1.0);
      assertThat(ppo.get("explained_variance").isNumber()).isTrue();
      JsonNode memory = m.get("memory");
      // policy and a critic of the same preset plus its 65-number head: weights + 2 moments each
      long policyBytes = 145_344L * 12;
      assertThat(memory.get("parameter_optimizer_bytes").asLong())
          .isEqualTo(2 * policyBytes + 65 * 12);
      assertThat(memory.get("training_peak_rss_bytes").asDouble()).isPositive();
    }
    assertThat(
            Files.exists(
                RunDirectory.of(dataDir, run).checkpoint(0).resolve(Checkpointer.VALUE_MODEL_FILE)))
        .as("step 0's checkpoint is written before the critic exists")
        .isFalse();
    byte[] previous = null;
    for (int step = 1; step <= 2; step++) {
      Path dir = Checkpointer.open(RunDirectory.of(dataDir, run).checkpoint(step)).directory();
      assertThat(dir.resolve(Checkpointer.VALUE_OPTIMIZER_FILE)).exists();
      String manifest = Files.readString(dir.resolve(Checkpointer.MANIFEST));
      assertThat(manifest)
          .contains(Checkpointer.VALUE_MODEL_FILE, Checkpointer.VALUE_OPTIMIZER_FILE);
      byte[] critic = Files.readAllBytes(dir.resolve(Checkpointer.VALUE_MODEL_FILE));
      if (previous != null) {
        assertThat(critic).as("the critic trained between the checkpoints").isNotEqualTo(previous);
      }
      previous = critic;
    }
  }

  @Test
  void aCriticOptionWithoutPpoIsA400NamingItAndCreatesNothing() throws Exception {
    int before = jdbc.queryForObject("SELECT count(*) FROM run", Integer.class);
    Response refused =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "not-ppo",
                 "data": {"source": "generator", "generatorSize": 20},
                 "algorithm": {"policyLoss": "cispo", "gae": {"lambda": 0.9}}}
                """);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.raw().body()).contains("algorithm.gae", "only when policyLoss is ppo");
    assertThat(jdbc.queryForObject("SELECT count(*) FROM run", Integer.class)).isEqualTo(before);
  }

  private Map<String, Object> awaitEnd(UUID run) throws InterruptedException {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      Map<String, Object> row =
          jdbc.queryForMap("SELECT state, current_step, error FROM run WHERE id = ?", run);
      if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains((String) row.get("state"))) {
        return row;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("run " + run + " did not end within 3 minutes");
  }
}
