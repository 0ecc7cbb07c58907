package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.tokenizer.HfTokenizer;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {

  @TempDir Path out;

  @Test
  void aQwen2ShapedFolderHasTheRealVocabularyAndLoadsWithItsTokenizer() throws Exception {
    Path qwen2 = sharedTokenizer("qwen2");
    ModelConfig config = ModelDirectory.createRandom(qwen2, out, ModelDirectory.Size.SMALL, 3);

    assertThat(config.modelType()).isEqualTo("qwen2");
    assertThat(config.vocabSize()).isEqualTo(151_936);
    assertThat(config.qkvBias()).isTrue();
    assertThat(config.tieWordEmbeddings()).isTrue();
    assertThat(config.ropeTheta()).isEqualTo(1_000_000.0);
    assertThat(ModelConfig.fromJson(out.resolve("config.json"))).isEqualTo(config);
    for (String name : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
      assertThat(Files.mismatch(qwen2.resolve(name), out.resolve(name))).isEqualTo(-1L);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      var tensors = SafetensorsWeights.readFloat32(out.resolve("model.safetensors"), m);
      assertThat(tensors.get("model.embed_tokens.weight").getShape())
          .isEqualTo(new Shape(151_936, 64));
      assertThat(tensors).containsKey("model.layers.1.self_attn.q_proj.bias");
      assertThat(tensors).doesNotContainKey("lm_head.weight");
    }

    try (HfTokenizer tokenizer = HfTokenizer.load(out);
        DecoderModel reloaded = DecoderModel.load(out);
        DecoderModel fresh = DecoderModel.randomInit(config, 3);
        NDManager m = NDManager.newBaseManager()) {
      assertThat(tokenizer.eosId()).isEqualTo(151_645); // <|im_end|>
      String text = "Solve: 12 + 30 = ? 答案是 42.";
      int[] ids = tokenizer.encode(text);
      assertThat(tokenizer.decode(ids)).isEqualTo(text);
      NDArray input =
          m.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, ids.length));
      float[] loaded = reloaded.logits(input).toFloatArray();
      float[] initial = fresh.logits(input).toFloatArray();
      assertThat(loaded.length).isEqualTo(ids.length * 151_936);
      assertThat(Arrays.mismatch(loaded, initial)).as("first differing logit").isEqualTo(-1);
    }
  }

  @Test
  void smolLm2GivesALlamaShapedFolder() {
    Path smol = sharedTokenizer("smollm2-135m-instruct");
    ModelConfig config = ModelDirectory.createRandom(smol, out, ModelDirectory.Size.SMALL, 1);
    assertThat(config.modelType()).isEqualTo("llama");
    assertThat(config.vocabSize()).isEqualTo(49_152);
    assertThat(config.qkvBias()).isFalse();
  }

  static Path sharedTokenizer(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolveSibling("shared").resolve("data/tokenizers").resolve(name);
      if (Files.isRegularFile(candidate.resolve("tokenizer.json"))) {
        return candidate;
      }
    }
    assumeTrue(false, "skipped: ../shared/data/tokenizers/" + name + "/tokenizer.json is absent");
    return null;
  }
}
