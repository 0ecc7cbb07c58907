package dev.grpo.trainer.rm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A {@code kind: reward_model} run through the REST API and the orchestrator, on a real PostgreSQL:
 * the preference file's bad rows are counted per reason in the ledger, every epoch's held-out
 * accuracy is recorded, and the checkpoints load back as reward models with their lineage.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=it-key",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.rollout-url=http://localhost:1",
      "grpo.trainer.reward-url=http://localhost:1",
      "grpo.trainer.orchestrator.poll-interval=200ms",
      "grpo.trainer.orchestrator.heartbeat-interval=1s"
    })
class RewardModelRunIT {

  private static Path dataDir;

  @DynamicPropertySource
  static void wiring(DynamicPropertyRegistry registry) throws IOException {
    Engine.getInstance();
    SharedPostgres.register(registry);
    dataDir = Files.createTempDirectory("grpo-rm-it");
    registry.add("grpo.trainer.data-dir", dataDir::toString);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  @Test
  void aRewardModelRunRecordsItsRejectionsAccuracyCurveAndCheckpoints() throws Exception {
    Path pairs = dataDir.resolve("digit-pairs.jsonl");
    List<String> lines = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(4);
    for (int i = 0; i < 300; i++) {
      int d = random.nextInt(10);
      int e = (d + 1 + random.nextInt(9)) % 10;
      lines.add(
          "{\"prompt\": \"%d\", \"chosen\": \"<answer>%d</answer>\", \"rejected\": \"<answer>%d</answer>\"}"
              .formatted(d, d, e));
    }
    lines.add("{\"prompt\": \"1\", \"chosen\": \"<answer>1</answer>\"}");
    lines.add("{\"prompt\": \"2\", \"chosen\": \"x\", \"rejected\": \"x\"}");
    lines.add("{\"prompt\": \"" + "9".repeat(600) + "\", \"chosen\": \"a\", \"rejected\": \"b\"}");
    lines.add("{oops");
    Files.write(pairs, lines, StandardCharsets.UTF_8);

    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "rm-digits", "seed": 3, "kind": "reward_model",
                 "optimizer": {"learningRate": 0.003},
                 "rewardModel": {"path": "%s", "format": "pairs", "evalFraction": 0.2,
                                 "epochs": 3, "batchSize": 16}}
                """
                    .formatted(pairs));
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    Map<String, Object> row = awaitEnd(run);
    assertThat(row).as(String.valueOf(row.get("error"))).containsEntry("state", "SUCCEEDED");

    Response view = new ServiceHttp(port, "it-key").get("/api/v1/runs/" + run + "/reward-model");
    assertThat(view.status()).isEqualTo(200);
    JsonNode data = view.json().get("data");
    assertThat(data.get("trainPairs").asInt()).isEqualTo(240);
    assertThat(data.get("heldOutPairs").asInt()).isEqualTo(60);
    assertThat(data.get("rejected").get("missing_side").asInt()).isEqualTo(1);
    assertThat(data.get("rejected").get("identical").asInt()).isEqualTo(1);
    assertThat(data.get("rejected").get("too_long").asInt()).isEqualTo(1);
    assertThat(data.get("rejected").get("malformed").asInt()).isEqualTo(1);
    assertThat(data.get("rejectedExamples").get("too_long").get(0).asString())
        .isEqualTo("line 303: 603 tokens, the model's context is 512");

    JsonNode epochs = view.json().get("epochs");
    assertThat(epochs).hasSize(4);
    assertThat(epochs.get(0).get("checkpointPath").isNull()).isTrue();
    assertThat(epochs.get(0).get("trainLoss").isNull()).isTrue();
    assertThat(epochs.get(3).get("updates").asLong()).isEqualTo(45); // 3 epochs × ⌈240 / 16⌉
    for (int epoch = 1; epoch <= 3; epoch++) {
      JsonNode e = epochs.get(epoch);
      assertThat(e.get("heldOutAccuracy").asDouble()).isBetween(0.0, 1.0);
      Path dir = Path.of(e.get("checkpointPath").asString());
      assertThat(dir)
          .isEqualTo(
              RewardModelRun.checkpointDir(dataDir.resolve("runs").resolve(run.toString()), epoch)
                  .toAbsolutePath()
                  .normalize());
      assertThat(e.get("checkpointSha256").asString())
          .isEqualTo(dev.grpo.trainer.train.Checkpointer.sha256(dir.resolve("manifest.json")));
      JsonNode lineage =
          tools.jackson.databind.json.JsonMapper.builder()
              .build()
              .readTree(Files.readString(dir.resolve(RewardModelCheckpoint.LINEAGE_FILE)));
      assertThat(lineage.get("epoch").asInt()).isEqualTo(epoch);
      assertThat(lineage.get("parent").get("preset").asString()).isEqualTo("tiny");
      assertThat(lineage.get("data").get("sha256").asString())
          .isEqualTo(dev.grpo.trainer.train.Checkpointer.sha256(pairs));
      assertThat(lineage.get("spec").get("kind").asString()).isEqualTo("reward_model");
      assertThat(lineage.get("heldOutAccuracy").asDouble())
          .isEqualTo(e.get("heldOutAccuracy").asDouble());
      try (RewardModel loaded = RewardModel.load(dir, Device.cpu())) {
        assertThat(loaded.parameters()).containsKey(RewardModel.HEAD_WEIGHT);
      }
    }
    assertThat(
            new ServiceHttp(port, "it-key")
                .get("/api/v1/runs/" + UUID.randomUUID() + "/reward-model")
                .status())
        .isEqualTo(404);
  }

  @Test
  void aRewardModelSpecWithoutItsSectionIsRefusedNamingTheField() throws Exception {
    Response refused =
        new ServiceHttp(port, "it-key")
            .post("/api/v1/runs", "{\"name\": \"rm\", \"kind\": \"reward_model\"}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.raw().body()).contains("\"field\":\"rewardModel\"");
  }

  private Map<String, Object> awaitEnd(UUID run) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      Map<String, Object> row = jdbc.queryForMap("SELECT state, error FROM run WHERE id = ?", run);
      String state = (String) row.get("state");
      if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
        return row;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("run " + run + " did not end in time");
  }
}
