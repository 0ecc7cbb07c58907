package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.train.TrainingState;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The reference a run resumes with: the moved one of its newest checkpoint, else step 0's. */
@SpringBootTest(
    properties = {
      "grpo.trainer.api-key=k",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.enabled=false"
    })
class RunCheckpointsIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired CheckpointLedger ledger;
  @Autowired JdbcTemplate jdbc;
  @TempDir Path dir;

  private static void assertSameWeights(DecoderModel actual, DecoderModel expected) {
    for (Map.Entry<String, NDArray> e : expected.parameters().entrySet()) {
      assertThat(actual.parameters().get(e.getKey()).toFloatArray())
          .as(e.getKey())
          .containsExactly(e.getValue().toFloatArray());
    }
  }

  @Test
  void aResumeTakesTheReferenceOfTheNewestCheckpointElseStepZeros() {
    UUID run = LedgerFixtures.insertRun(jdbc);
    RunCheckpoints checkpoints = new RunCheckpoints(run, RunDirectory.of(dir, run), ledger);
    try (DecoderModel initial = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        DecoderModel later = DecoderModel.randomInit(ModelConfig.tiny(), 2, Device.cpu());
        DecoderModel moved = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      checkpoints.save(initial, opt, TrainingState.start(7), null);
      try (DecoderModel reference = checkpoints.reference()) {
        assertSameWeights(reference, initial);
      }
      checkpoints.save(later, opt, new TrainingState(2, 7, 4), null);
      try (DecoderModel reference = checkpoints.reference()) {
        assertSameWeights(reference, initial);
      }
      checkpoints.save(later, opt, new TrainingState(4, 7, 8), moved);
      try (DecoderModel reference = checkpoints.reference()) {
        System.gc();
        assertSameWeights(reference, moved);
      }
    }
  }
}
