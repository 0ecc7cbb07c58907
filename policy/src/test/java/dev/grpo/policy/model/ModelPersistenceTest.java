package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPersistenceTest {

  @TempDir Path dir;

  private static ModelConfig untied() {
    return new ModelConfig("qwen2", 32, 48, 2, 4, 2, 8, 25, 128, 1e-6, 1e6, false, true, false);
  }

  @Test
  void saveThenLoadGivesIdenticalParametersAndLogits() {
    for (ModelConfig config : new ModelConfig[] {ModelConfig.tiny(104), untied()}) {
      Path target = dir.resolve(config.modelType() + config.tieWordEmbeddings());
      try (DecoderModel model = DecoderModel.randomInit(config, 7, Device.cpu());
          NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        model.save(target);
        assertThat(ModelConfig.fromJson(target.resolve("config.json"))).isEqualTo(config);
        Map<String, NDArray> stored =
            SafetensorsWeights.read(target.resolve("model.safetensors"), scope);
        assertThat(stored.containsKey("lm_head.weight")).isEqualTo(!config.tieWordEmbeddings());
        assertThat(stored.keySet())
            .containsExactlyInAnyOrderElementsOf(DecoderModel.parameterShapes(config).keySet());
        try (DecoderModel loaded = DecoderModel.load(target, Device.cpu())) {
          for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            assertThat(loaded.parameters().get(e.getKey()).contentEquals(e.getValue()))
                .as(e.getKey())
                .isTrue();
          }
          NDArray ids = scope.create(new long[] {1, 5, 9, 2}, new Shape(1, 4));
          assertThat(loaded.logits(ids).contentEquals(model.logits(ids))).isTrue();
        }
      }
    }
  }

  @Test
  void randomInitIsDeterministicPerSeed() {
    ModelConfig config = ModelConfig.tiny(50);
    try (DecoderModel a = DecoderModel.randomInit(config, 1, Device.cpu());
        DecoderModel b = DecoderModel.randomInit(config, 1, Device.cpu());
        DecoderModel c = DecoderModel.randomInit(config, 2, Device.cpu())) {
      String name = "model.layers.0.self_attn.q_proj.weight";
      assertThat(a.parameters().get(name).contentEquals(b.parameters().get(name))).isTrue();
      assertThat(a.parameters().get(name).contentEquals(c.parameters().get(name))).isFalse();
      float std = a.parameters().get(name).toFloatArray()[0];
      assertThat(Math.abs(std)).isLessThan(0.2f);
      assertThat(a.parameters().get("model.norm.weight").toFloatArray()).containsOnly(1f);
      assertThat(a.parameters()).hasSize(DecoderModel.parameterShapes(config).size());
    }
  }

  @Test
  void loadRejectsMissingOrMisshapenTensors() throws Exception {
    ModelConfig config = ModelConfig.tiny(30);
    try (DecoderModel model = DecoderModel.randomInit(config, 3, Device.cpu())) {
      model.save(dir);
    }
    ModelConfig wider =
        new ModelConfig("llama", 64, 176, 3, 4, 2, 16, 31, 512, 1e-6, 1e4, true, false, false);
    wider.writeJson(dir.resolve("config.json"));
    assertThatThrownBy(() -> DecoderModel.load(dir, Device.cpu()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model.embed_tokens.weight");
    Files.delete(dir.resolve("model.safetensors"));
    config.writeJson(dir.resolve("config.json"));
    assertThatThrownBy(() -> DecoderModel.load(dir, Device.cpu()))
        .isInstanceOf(RuntimeException.class);
  }
}
