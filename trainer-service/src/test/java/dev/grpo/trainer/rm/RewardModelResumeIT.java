package dev.grpo.trainer.rm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.rm.RewardModelLedger;
import dev.grpo.ledger.rm.RewardModelLedger.EpochRow;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.train.Checkpointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A reward-model run stopped after an epoch (pause, lost lease, a trainer that went away) and run
 * again continues from its last recorded checkpoint: the ledger rows of the epochs before the break
 * are not rewritten, and the epochs after it are the ones an unbroken run of the same spec trains,
 * bit for bit (weights and optimizer moments restored, the epochs' shuffles drawn again).
 */
@SpringBootTest(
    properties = {
      "grpo.trainer.api-key=k",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.enabled=false"
    })
class RewardModelResumeIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    Engine.getInstance();
    SharedPostgres.register(registry);
  }

  @Autowired RewardModelLedger ledger;
  @Autowired JdbcTemplate jdbc;
  @Autowired ObjectMapper mapper;
  @TempDir Path dir;

  private RunSpec spec(Path pairs) {
    return mapper.readValue(
        """
        {"name": "rm-resume", "seed": 3, "kind": "reward_model",
         "optimizer": {"learningRate": 0.003},
         "rewardModel": {"path": "%s", "format": "pairs", "evalFraction": 0.2,
                         "epochs": 4, "batchSize": 16}}
        """
            .formatted(pairs),
        RunSpec.class);
  }

  private RewardModelRun.Result train(UUID run, RunSpec spec, BooleanSupplier keepGoing) {
    return new RewardModelRun(
            new RewardModelRun.Setup(
                run,
                spec,
                new CharTokenizer(),
                () -> DecoderModel.randomInit(ModelPreset.TINY.config(), 3, Device.cpu()),
                null,
                dir.resolve(run.toString()),
                ledger,
                mapper,
                (name, value, tags) -> {},
                keepGoing))
        .run();
  }

  /** The rows of a run as stored, with their write times. */
  private List<Map<String, Object>> rows(UUID run) {
    return jdbc.queryForList(
        "SELECT * FROM reward_model_epoch WHERE run_id = ? ORDER BY epoch", run);
  }

  private static String weightsSha(EpochRow row) throws Exception {
    JsonNode manifest =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(Path.of(row.checkpointPath()).resolve(Checkpointer.MANIFEST).toFile());
    return manifest.get("files").get("model.safetensors").get("sha256").asString()
        + manifest.get("files").get("reward_head.safetensors").get("sha256").asString();
  }

  @Test
  void aRunStoppedAfterEpochTwoContinuesFromItsCheckpointWithoutRewritingItsRows()
      throws Exception {
    Path pairs = dir.resolve("digit-pairs.jsonl");
    List<String> lines = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(4);
    for (int i = 0; i < 200; i++) {
      int d = random.nextInt(10);
      int e = (d + 1 + random.nextInt(9)) % 10;
      lines.add(
          "{\"prompt\": \"%d\", \"chosen\": \"<answer>%d</answer>\", \"rejected\": \"<answer>%d</answer>\"}"
              .formatted(d, d, e));
    }
    Files.write(pairs, lines, StandardCharsets.UTF_8);
    RunSpec spec = spec(pairs);

    // the reference: the same spec, never stopped
    UUID unbroken = LedgerFixtures.insertRun(jdbc);
    assertThat(train(unbroken, spec, () -> true).completed()).isTrue();
    List<EpochRow> reference = ledger.epochs(unbroken);
    assertThat(reference).extracting(EpochRow::epoch).containsExactly(0, 1, 2, 3, 4);

    // stopped at the boundary after epoch 2 (the 4th check: baseline, 1, 2, then 3 is refused)
    UUID run = LedgerFixtures.insertRun(jdbc);
    AtomicInteger checks = new AtomicInteger();
    assertThat(train(run, spec, () -> checks.incrementAndGet() < 4).completed()).isFalse();
    List<Map<String, Object>> before = rows(run);
    assertThat(before).extracting(r -> r.get("epoch")).containsExactly(0, 1, 2);
    Object dataWritten =
        jdbc.queryForObject(
            "SELECT created_at FROM reward_model_data WHERE run_id = ?", Object.class, run);

    // run again (a takeover): it resumes after epoch 2
    assertThat(train(run, spec, () -> true).completed()).isTrue();
    List<Map<String, Object>> after = rows(run);
    assertThat(after).extracting(r -> r.get("epoch")).containsExactly(0, 1, 2, 3, 4);
    // the rows of epochs 0..2 are the ones first written, write times included
    assertThat(after.subList(0, 3)).isEqualTo(before);
    assertThat(
            jdbc.queryForObject(
                "SELECT created_at FROM reward_model_data WHERE run_id = ?", Object.class, run))
        .isEqualTo(dataWritten);

    // and epochs 3 and 4 are the unbroken run's, to the last bit
    List<EpochRow> resumed = ledger.epochs(run);
    for (int epoch = 3; epoch <= 4; epoch++) {
      EpochRow got = resumed.get(epoch);
      EpochRow want = reference.get(epoch);
      assertThat(got.updates()).as("updates, epoch %d", epoch).isEqualTo(want.updates());
      assertThat(got.trainLoss()).as("train loss, epoch %d", epoch).isEqualTo(want.trainLoss());
      assertThat(got.heldOutLoss())
          .as("held-out loss, epoch %d", epoch)
          .isEqualTo(want.heldOutLoss());
      assertThat(got.heldOutAccuracy()).isEqualTo(want.heldOutAccuracy());
      assertThat(weightsSha(got)).as("weights, epoch %d", epoch).isEqualTo(weightsSha(want));
    }
    // the reference learned something, so equal rows are not two untrained heads
    assertThat(reference.get(4).heldOutAccuracy())
        .isGreaterThan(reference.get(0).heldOutAccuracy());
  }

  @Test
  void aCheckpointThatIsNotTheRecordedOneIsNotResumedFromTheRunTrainsAgain() throws Exception {
    Path pairs = dir.resolve("pairs.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      lines.add(
          "{\"prompt\": \"%d\", \"chosen\": \"<answer>%d</answer>\", \"rejected\": \"<answer>x</answer>\"}"
              .formatted(i % 10, i % 10));
    }
    Files.write(pairs, lines, StandardCharsets.UTF_8);
    RunSpec spec = spec(pairs);
    UUID run = LedgerFixtures.insertRun(jdbc);
    AtomicInteger checks = new AtomicInteger();
    assertThat(train(run, spec, () -> checks.incrementAndGet() < 3).completed()).isFalse();
    List<Map<String, Object>> before = rows(run);
    assertThat(before).extracting(r -> r.get("epoch")).containsExactly(0, 1);
    // the checkpoint on disk changed after the ledger recorded it
    Path manifest =
        Path.of(ledger.epochs(run).get(1).checkpointPath()).resolve(Checkpointer.MANIFEST);
    Files.writeString(manifest, Files.readString(manifest) + " ");

    assertThat(train(run, spec, () -> true).completed()).isTrue();
    List<Map<String, Object>> after = rows(run);
    assertThat(after).extracting(r -> r.get("epoch")).containsExactly(0, 1, 2, 3, 4);
    // trained again from the start: epoch 1 was written anew
    assertThat(after.get(1).get("created_at")).isNotEqualTo(before.get(1).get("created_at"));
  }
}
