package dev.grpo.policy.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our adapter files against an adapter written by PEFT itself ({@code
 * src/test/python/peft_lora_fixture.py}, peft 0.21.0): the same tensor names and shapes, the same
 * LoRA keys in {@code adapter_config.json}; and PEFT's adapter, read by our loader onto the same
 * base, gives the logits PEFT computed.
 */
class PeftFixtureTest {

  private static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(PeftFixtureTest.class.getResource("/" + name).toURI());
  }

  @Test
  void ourFilesHavePeftsNamesShapesAndConfigKeys(@TempDir Path dir) throws Exception {
    Path peft = resource("lora/peft_llama_gqa");
    try (DecoderModel base = DecoderModel.load(resource("parity/llama_gqa"), Device.cpu());
        LoraAdapters ours =
            LoraAdapters.init(base.config(), new LoraConfig(4, 8, 0.05, ALL), 1, Device.cpu());
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      PeftAdapterFiles.write(ours, "parity/llama_gqa", dir);
      assertThat(shapes(dir, m)).isEqualTo(shapes(peft, m)).hasSize(2 * 7 * 2);

      JsonObject theirs = json(peft);
      JsonObject mine = json(dir);
      for (String key :
          List.of(
              "peft_type",
              "r",
              "lora_alpha",
              "lora_dropout",
              "bias",
              "task_type",
              "fan_in_fan_out",
              "use_rslora",
              "use_dora",
              "base_model_name_or_path",
              "inference_mode",
              "modules_to_save")) {
        assertThat(mine.get(key)).as(key).isEqualTo(theirs.get(key));
      }
      assertThat(set(mine)).isEqualTo(set(theirs));
    }
  }

  @Test
  void peftsAdapterOnOurModelGivesPeftsLogits() throws Exception {
    Path peft = resource("lora/peft_llama_gqa");
    try (DecoderModel model = DecoderModel.load(resource("parity/llama_gqa"), Device.cpu());
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      model.attachAdapters(PeftAdapterFiles.read(peft, model.config(), Device.cpu()));
      assertThat(model.adapters().config().scale()).isEqualTo(2.0);
      Map<String, NDArray> expected =
          SafetensorsWeights.read(peft.resolve("expected_logits.safetensors"), m);
      NDArray ids = expected.get("input_ids");
      float[] want = expected.get("logits").toFloatArray();
      float[] got = model.logits(ids).toFloatArray();
      float[] merged;
      try (DecoderModel folded = model.merged()) {
        merged = folded.logits(ids).toFloatArray();
      }
      try (DecoderModel plain = DecoderModel.load(resource("parity/llama_gqa"), Device.cpu())) {
        float[] base = plain.logits(ids).toFloatArray();
        double moved = 0;
        for (int i = 0; i < want.length; i++) {
          assertThat(got[i]).isCloseTo(want[i], offset(1e-4f));
          assertThat(merged[i]).isCloseTo(want[i], offset(1e-4f));
          moved = Math.max(moved, Math.abs(base[i] - want[i]));
        }
        assertThat(moved).as("the adapter changes the logits").isGreaterThan(1e-2);
      }
      assertThat(ids.getShape()).isEqualTo(new Shape(1, 8));
    }
  }

  private static Map<String, Shape> shapes(Path dir, NDManager m) {
    Map<String, Shape> out = new TreeMap<>();
    SafetensorsWeights.read(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE), m)
        .forEach((k, v) -> out.put(k, v.getShape()));
    return out;
  }

  private static JsonObject json(Path dir) throws Exception {
    return JsonParser.parseString(Files.readString(dir.resolve(PeftAdapterFiles.CONFIG_FILE)))
        .getAsJsonObject();
  }

  private static TreeSet<String> set(JsonObject config) {
    TreeSet<String> out = new TreeSet<>();
    config.getAsJsonArray("target_modules").forEach(e -> out.add(e.getAsString()));
    return out;
  }
}
