package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.step.ColdStart.ColdStartReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class ColdStartTest {

  private final RunSpec.ColdStart settings =
      StepFixtures.spec(
              """
              {"coldStart": {"enabled": true, "examples": 5, "epochs": 2, "batchSize": 2,
                             "learningRate": 0.01}}
              """)
          .coldStart();

  @Test
  void cyclesTheSourceAndTrainsEveryBatchOfEveryEpoch() {
    List<Item> source = StepFixtures.items("train", "a", "b");
    ColdStart coldStart = new ColdStart(settings, StepFixtures.encoder(), () -> true);

    assertThat(coldStart.examples(source)).hasSize(5);
    ColdStartReport report;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu())) {
      report = coldStart.train(policy, source);
    }

    // 5 examples in batches of 2: 3 updates per epoch, 2 epochs
    assertThat(report.updates()).isEqualTo(6);
    assertThat(report.examples()).isEqualTo(5);
    assertThat(report.epochs()).isEqualTo(2);
    assertThat(report.finalLoss()).isFinite().isPositive();
  }

  @Test
  void anItemWithoutAWorkedSolutionIsRefused() {
    Item bare = new Item("x", "train", 0, "1+1", "2", null, null, null);
    ColdStart coldStart = new ColdStart(settings, StepFixtures.encoder(), () -> true);

    assertThatThrownBy(() -> coldStart.examples(List.of(bare)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("item x has no worked solution");
  }

  @Test
  void aLostLeaseStopsTheColdStart() {
    ColdStart coldStart = new ColdStart(settings, StepFixtures.encoder(), () -> false);
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu())) {
      assertThatThrownBy(() -> coldStart.train(policy, StepFixtures.items("train", "a")))
          .isInstanceOf(LeaseLostException.class);
    }
  }
}
