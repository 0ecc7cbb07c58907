package dev.grpo.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.train.CheckpointException;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.TrainingState;
import dev.grpo.web.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(
    properties = {
      "grpo.trainer.api-key=k",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.enabled=false"
    })
class CheckpointLedgerIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired CheckpointLedger ledger;
  @Autowired JdbcTemplate jdbc;
  @TempDir Path dir;

  @Test
  void aCheckpointIsRecordedOnceAndVerifiedAgainstTheLedgerOnResume() throws Exception {
    UUID run = LedgerFixtures.insertRun(jdbc);
    Checkpointer.Checkpoint first;
    Checkpointer.Checkpoint other;
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      first = Checkpointer.save(dir.resolve("step-4"), model, opt, new TrainingState(4, 7, 32));
      other = Checkpointer.save(dir.resolve("step-4b"), model, opt, new TrainingState(4, 8, 32));
    }
    var row = ledger.record(run, 4, first);
    assertThat(row.getSha256()).isEqualTo(first.sha256()).matches("[0-9a-f]{64}");
    assertThat(row.getSizeBytes()).isGreaterThan(100_000);
    // recording the same checkpoint again is a no-op; another one for the same step conflicts
    assertThat(ledger.record(run, 4, first).getId()).isEqualTo(row.getId());
    assertThatThrownBy(() -> ledger.record(run, 4, other))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("another sha256");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM checkpoint WHERE run_id = ?", Long.class, run))
        .isEqualTo(1);

    Checkpointer.Checkpoint resumed = ledger.latest(run).orElseThrow();
    assertThat(resumed.state()).isEqualTo(new TrainingState(4, 7, 32));
    assertThat(resumed.sha256()).isEqualTo(first.sha256());

    // a checkpoint changed on disk after it was recorded is refused on resume
    Files.writeString(
        first.directory().resolve("trainer_state.json"), " ", StandardOpenOption.APPEND);
    assertThatThrownBy(() -> ledger.latest(run)).isInstanceOf(CheckpointException.class);
  }
}
