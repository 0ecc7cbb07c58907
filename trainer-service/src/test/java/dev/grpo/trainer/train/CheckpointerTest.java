package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointerTest {

  @TempDir Path dir;

  private Checkpointer.Checkpoint saved;

  @BeforeEach
  void writeOne() {
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      SftTrainer sft = new SftTrainer(model, opt);
      sft.step(List.of(ArithmeticTask.problem(0).example(), ArithmeticTask.problem(1).example()));
      saved = Checkpointer.save(dir.resolve("step-1"), model, opt, new TrainingState(1, 9, 2));
    }
  }

  @Test
  void writesWeightsOptimizerStateAndManifestAndLeavesNoTemporaryDirectory() throws Exception {
    Path ckpt = dir.resolve("step-1");
    try (Stream<Path> s = Files.list(ckpt)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly(
              "config.json",
              "manifest.json",
              "model.safetensors",
              "optimizer.safetensors",
              "trainer_state.json");
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("step-1");
    }
    assertThat(saved.sha256()).matches("[0-9a-f]{64}");
    assertThat(saved.sha256()).isEqualTo(Checkpointer.sha256(ckpt.resolve("manifest.json")));
    assertThat(Files.readString(ckpt.resolve("manifest.json")))
        .contains(Checkpointer.sha256(ckpt.resolve("model.safetensors")));
  }

  @Test
  void roundTripsWeightsOptimizerStateAndTrainingState() {
    Checkpointer.Checkpoint opened = Checkpointer.open(dir.resolve("step-1"));
    assertThat(opened.sha256()).isEqualTo(saved.sha256());
    assertThat(opened.state()).isEqualTo(new TrainingState(1, 9, 2));
    try (DecoderModel original = DecoderModel.load(dir.resolve("step-1"), Device.cpu());
        DecoderModel loaded = opened.loadModel(Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant());
        NDManager m = NDManager.newBaseManager()) {
      assertThat(loaded.parameters().keySet()).isEqualTo(original.parameters().keySet());
      opened.restoreOptimizer(opt);
      assertThat(opt.stepCount()).isEqualTo(1);
      Map<String, NDArray> state = opt.exportState(m);
      assertThat(state).containsKey("model.layers.0.mlp.up_proj.weight.exp_avg");
      assertThat(state.get("model.layers.0.mlp.up_proj.weight.exp_avg_sq").abs().sum().getFloat())
          .isPositive();
    }
  }

  @Test
  void refusesAnAlteredFile() throws Exception {
    Path weights = dir.resolve("step-1").resolve("optimizer.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights, bytes);
    assertThatThrownBy(() -> Checkpointer.open(dir.resolve("step-1")))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("sha256 of optimizer.safetensors");
  }

  @Test
  void refusesMissingAndUnlistedFiles() throws Exception {
    Path ckpt = dir.resolve("step-1");
    Files.writeString(ckpt.resolve("extra.txt"), "x");
    assertThatThrownBy(() -> Checkpointer.open(ckpt))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("extra.txt");
    Files.delete(ckpt.resolve("extra.txt"));
    Files.delete(ckpt.resolve("trainer_state.json"));
    assertThatThrownBy(() -> Checkpointer.open(ckpt))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("missing trainer_state.json");
  }

  @Test
  void neverOverwritesAnExistingCheckpoint() {
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(), 4, Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      assertThatThrownBy(
              () -> Checkpointer.save(dir.resolve("step-1"), model, opt, TrainingState.start(1)))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("already exists");
    }
    assertThat(Checkpointer.open(dir.resolve("step-1")).sha256()).isEqualTo(saved.sha256());
  }

  @Test
  void aCheckpointOfAModelFolderCarriesItsTokenizerInTheManifestAndLoadsByPath() throws Exception {
    Path qwen2 = dev.grpo.trainer.SharedData.path("tokenizers/qwen2");
    Path ckpt = dir.resolve("step-2");
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu());
        AdamW opt = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      Checkpointer.save(ckpt, model, opt, TrainingState.start(2), qwen2);
    }
    assertThat(Files.mismatch(qwen2.resolve("tokenizer.json"), ckpt.resolve("tokenizer.json")))
        .isEqualTo(-1L);
    assertThat(Files.readString(ckpt.resolve(Checkpointer.MANIFEST)))
        .contains("tokenizer.json")
        .contains("tokenizer_config.json");
    Checkpointer.open(ckpt); // verifies every listed file and refuses unlisted ones
    var tokenizer = dev.grpo.policy.tokenizer.ModelTokenizer.load(ckpt);
    assertThat(tokenizer.eosId()).isEqualTo(151_645);
    assertThat(tokenizer.decode(tokenizer.encode("12 + 30 = 42"))).isEqualTo("12 + 30 = 42");
  }
}
