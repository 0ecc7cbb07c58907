package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A LoRA checkpoint holds the adapters and a reference to the base, never the base's weights. */
class LoraCheckpointTest {

  private static final ModelConfig CONFIG = ModelConfig.tiny();
  private static final LoraConfig LORA = new LoraConfig(4, 8, 0, List.of("q_proj", "down_proj"));

  @Test
  void adaptersAndTheBaseReferenceRoundTripAndAChangedBaseIsRefused(@TempDir Path tmp)
      throws Exception {
    Path baseDir = tmp.resolve("base");
    try (DecoderModel base = DecoderModel.randomInit(CONFIG, 4, Device.cpu())) {
      base.save(baseDir);
    }
    LoraCheckpointFiles.BaseModel ref = LoraCheckpointFiles.BaseModel.of(baseDir);
    assertThat(ref.sha256())
        .isEqualTo(Checkpointer.sha256(baseDir.resolve(DecoderModel.WEIGHTS_FILE)));
    try (DecoderModel policy = DecoderModel.load(baseDir, Device.cpu());
        AdamW opt =
            new AdamW(
                new AdamW.Config(1e-2, 0.9, 0.999, 1e-8, 0, 1), LearningRateSchedule.constant())) {
      policy.attachAdapters(LoraAdapters.init(CONFIG, LORA, 1, Device.cpu()));
      GrpoTrainer trainer =
          new GrpoTrainer(
              policy,
              null,
              opt,
              new GrpoTrainer.Options(GrpoConfig.builder().beta(0).build(), 1, 1f));
      int[] prompt = ArithmeticTask.problem(0).promptIds();
      trainer.step(
          new RolloutBatch(
              List.of(prompt),
              2,
              List.of(
                  ArithmeticTask.problem(0).example().completion(),
                  ArithmeticTask.TOKENIZER.encode("<answer>x</answer>")),
              null,
              new double[] {1, 0},
              new boolean[] {false, false}));
      trainer.step(
          new RolloutBatch(
              List.of(prompt),
              2,
              List.of(
                  ArithmeticTask.problem(0).example().completion(),
                  ArithmeticTask.TOKENIZER.encode("<answer>x</answer>")),
              null,
              new double[] {1, 0},
              new boolean[] {false, false}));
      Path dir = tmp.resolve("step-000002");
      Checkpointer.Checkpoint saved =
          Checkpointer.save(dir, policy, opt, TrainingState.start(7), null, null, null, ref);
      try (var files = Files.list(dir)) {
        assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
            .containsExactly(
                "adapter_config.json",
                "adapter_model.safetensors",
                "lora_base.json",
                "manifest.json",
                "optimizer.safetensors",
                "trainer_state.json");
      }
      long adapterBytes = Files.size(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE));
      assertThat(adapterBytes)
          .isLessThan(Files.size(baseDir.resolve(DecoderModel.WEIGHTS_FILE)) / 5);
      assertThat(Files.readString(dir.resolve(LoraCheckpointFiles.BASE_FILE)))
          .contains(ref.sha256(), baseDir.toAbsolutePath().toString());

      Checkpointer.Checkpoint opened = Checkpointer.open(dir);
      assertThat(opened.sha256()).isEqualTo(saved.sha256());
      try (DecoderModel loaded = opened.loadModel(Device.cpu());
          NDManager m = NDManager.newBaseManager(Device.cpu())) {
        assertThat(loaded.adapters()).isNotNull();
        for (Map.Entry<String, NDArray> e : policy.trainableParameters().entrySet()) {
          assertThat(loaded.trainableParameters().get(e.getKey()).toFloatArray())
              .containsExactly(e.getValue().toFloatArray());
        }
        NDArray ids = m.create(new long[] {1, 7, 9, 3}, new ai.djl.ndarray.types.Shape(1, 4));
        assertThat(loaded.logits(ids).toFloatArray())
            .containsExactly(policy.logits(ids).toFloatArray());
      }
      try (AdamW restored =
          new AdamW(
              new AdamW.Config(1e-2, 0.9, 0.999, 1e-8, 0, 1), LearningRateSchedule.constant())) {
        opened.restoreOptimizer(restored);
        assertThat(restored.stepCount()).isEqualTo(2);
      }
    }
    // another base under the same path: the adapters were not trained on it
    try (DecoderModel other = DecoderModel.randomInit(CONFIG, 5, Device.cpu())) {
      other.save(baseDir);
    }
    assertThatThrownBy(() -> Checkpointer.open(tmp.resolve("step-000002")).loadModel(Device.cpu()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("the adapters were trained on " + ref.sha256());
  }

  @Test
  void aLoraPolicyWithoutItsBaseCannotBeCheckpointed(@TempDir Path tmp) {
    try (DecoderModel policy = DecoderModel.randomInit(CONFIG, 4, Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      policy.attachAdapters(LoraAdapters.init(CONFIG, LORA, 1, Device.cpu()));
      assertThatThrownBy(
              () -> Checkpointer.save(tmp.resolve("c"), policy, opt, TrainingState.start(1)))
          .hasMessageContaining("needs its base model");
      assertThat(tmp.resolve("c")).doesNotExist();
    }
  }
}
