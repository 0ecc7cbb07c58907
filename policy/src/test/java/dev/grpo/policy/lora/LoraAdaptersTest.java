package dev.grpo.policy.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on the decoder: init, frozen base, merge, PEFT files. */
class LoraAdaptersTest {

  private static final ModelConfig CONFIG = ModelConfig.tiny(CharTokenizer.VOCAB_SIZE);
  private static final LoraConfig ALL =
      new LoraConfig(
          4,
          8,
          0,
          List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));

  private final CharTokenizer tokenizer = new CharTokenizer();

  @Test
  void freshAdaptersArePeftsInitAndLeaveTheLogitsExactlyAsTheBaseHasThem() {
    try (DecoderModel plain = DecoderModel.randomInit(CONFIG, 3, Device.cpu());
        DecoderModel adapted = DecoderModel.randomInit(CONFIG, 3, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      adapted.attachAdapters(LoraAdapters.init(CONFIG, ALL, 7, Device.cpu()));
      for (Map.Entry<String, NDArray> e : adapted.adapters().parameters().entrySet()) {
        float[] v = e.getValue().toFloatArray();
        if (e.getKey().endsWith("lora_B.weight")) {
          assertThat(v).containsOnly(0f);
        } else {
          double bound = 1 / Math.sqrt(e.getValue().getShape().get(1));
          double max = 0;
          for (float x : v) {
            max = Math.max(max, Math.abs(x));
          }
          // U(-1/sqrt(in), 1/sqrt(in)): within the bound, and close to it over many draws
          assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.9 * bound);
        }
      }
      NDArray ids = scope.create(new long[] {1, 5, 9, 13, 2}, new Shape(1, 5));
      assertThat(adapted.logits(ids).toFloatArray())
          .containsExactly(plain.logits(ids).toFloatArray());
    }
  }

  @Test
  void onlyAdaptersTrainAndTheBaseStaysBitIdentical() {
    List<int[]> prompts = List.of(prepend(tokenizer.encode("2+2=")));
    List<int[]> completions = List.of(append(tokenizer.encode("<answer>4</answer>")));
    LoraConfig lora = new LoraConfig(4, 8, 0.1, List.of("q_proj", "v_proj", "down_proj"));
    try (DecoderModel model = DecoderModel.randomInit(CONFIG, 1, Device.cpu())) {
      Map<String, float[]> before = snapshot(model.parameters());
      model.attachAdapters(LoraAdapters.init(CONFIG, lora, 1, Device.cpu()));
      model.setRequiresGradient(true);
      assertThat(model.trainableParameters().keySet())
          .allMatch(n -> n.startsWith("base_model.model.model.layers."))
          .hasSize(2 * 3 * CONFIG.numHiddenLayers());
      Engine.getInstance().setRandomSeed(16); // the dropout masks
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build();
      double first = meanLogProb(model, prompts, completions);
      for (int i = 0; i < 16; i++) {
        step(model, adam, prompts, completions);
      }
      // measured without dropout (no autograd recording): the adapters learned the completion
      assertThat(meanLogProb(model, prompts, completions))
          .isGreaterThan(first + 0.8); // measured: +1.15
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        assertThat(e.getValue().hasGradient()).as(e.getKey()).isFalse();
        assertThat(e.getValue().toFloatArray())
            .as(e.getKey())
            .containsExactly(before.get(e.getKey()));
      }
      NDArray b =
          model.trainableParameters().get(LoraAdapters.loraBName("model.layers.0.mlp.down_proj"));
      assertThat(b.abs().max().getFloat()).isGreaterThan(0f);
    }
  }

  @Test
  void theMergedModelsLogitsEqualTheAdapterModels() {
    try (DecoderModel model = DecoderModel.randomInit(CONFIG, 5, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      model.attachAdapters(LoraAdapters.init(CONFIG, ALL, 5, Device.cpu()));
      randomizeB(model.adapters(), 11);
      NDArray ids = scope.create(new long[] {1, 4, 8, 15, 16, 23, 42}, new Shape(1, 7));
      float[] adapted = model.logits(ids).toFloatArray();
      try (DecoderModel merged = model.merged();
          DecoderModel base = DecoderModel.randomInit(CONFIG, 5, Device.cpu())) {
        assertThat(merged.adapters()).isNull();
        float[] mergedLogits = merged.logits(ids).toFloatArray();
        float[] baseLogits = base.logits(ids).toFloatArray();
        double maxDiffBase = 0;
        for (int i = 0; i < adapted.length; i++) {
          assertThat(mergedLogits[i]).isCloseTo(adapted[i], offset(2e-5f));
          maxDiffBase = Math.max(maxDiffBase, Math.abs(baseLogits[i] - adapted[i]));
        }
        // the adapters do change the outputs, so the equality above is not the base's
        assertThat(maxDiffBase).isGreaterThan(1e-2);
        // merging leaves the adapter model as it was
        assertThat(model.adapters()).isNotNull();
      }
    }
  }

  @Test
  void theBaseViewIsTheBaseWithoutACopyAndClosingItFreesNothing() {
    try (DecoderModel plain = DecoderModel.randomInit(CONFIG, 5, Device.cpu());
        DecoderModel model = DecoderModel.randomInit(CONFIG, 5, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      model.attachAdapters(LoraAdapters.init(CONFIG, ALL, 5, Device.cpu()));
      randomizeB(model.adapters(), 2);
      NDArray ids = scope.create(new long[] {1, 4, 8, 15}, new Shape(1, 4));
      try (DecoderModel base = model.baseView()) {
        assertThat(base.adapters()).isNull();
        assertThat(base.parameters().get("model.norm.weight"))
            .isSameAs(model.parameters().get("model.norm.weight"));
        assertThat(base.logits(ids).toFloatArray())
            .containsExactly(plain.logits(ids).toFloatArray());
      }
      // still usable after the view is closed
      assertThat(model.logits(ids).toFloatArray()).hasSize(4 * CONFIG.vocabSize());
    }
  }

  @Test
  void peftFilesRoundTripAndAForeignShapeIsRefused(@TempDir Path dir) {
    try (DecoderModel model = DecoderModel.randomInit(CONFIG, 5, Device.cpu())) {
      model.attachAdapters(LoraAdapters.init(CONFIG, ALL, 5, Device.cpu()));
      randomizeB(model.adapters(), 3);
      PeftAdapterFiles.write(model.adapters(), "/models/base", dir);
      assertThat(PeftAdapterFiles.baseModel(dir)).isEqualTo("/models/base");
      assertThat(PeftAdapterFiles.readConfig(dir).targetModules())
          .containsExactlyInAnyOrderElementsOf(ALL.targetModules());
      try (LoraAdapters read = PeftAdapterFiles.read(dir, CONFIG, Device.cpu())) {
        assertThat(read.config().rank()).isEqualTo(4);
        assertThat(read.config().scale()).isEqualTo(2.0);
        for (Map.Entry<String, NDArray> e : model.adapters().parameters().entrySet()) {
          assertThat(read.parameters().get(e.getKey()).toFloatArray())
              .containsExactly(e.getValue().toFloatArray());
        }
      }
      ModelConfig wider =
          new ModelConfig(
              "llama",
              CONFIG.hiddenSize() * 2,
              CONFIG.intermediateSize(),
              CONFIG.numHiddenLayers(),
              CONFIG.numAttentionHeads(),
              CONFIG.numKeyValueHeads(),
              CONFIG.headDim(),
              CONFIG.vocabSize(),
              CONFIG.maxPositionEmbeddings(),
              1e-6,
              10000,
              true,
              false,
              false);
      assertThatThrownBy(() -> PeftAdapterFiles.read(dir, wider, Device.cpu()))
          .hasMessageContaining("has shape");
    }
  }

  @Test
  void configRefusesModulesTheDecoderLacks() {
    assertThatThrownBy(() -> new LoraConfig(8, 16, 0, List.of("q_proj", "c_attn")))
        .hasMessageContaining("c_attn");
  }

  static void randomizeB(LoraAdapters adapters, long seed) {
    Random random = new Random(seed);
    for (Map.Entry<String, NDArray> e : adapters.parameters().entrySet()) {
      if (e.getKey().endsWith("lora_B.weight")) {
        float[] v = new float[Math.toIntExact(e.getValue().size())];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (random.nextGaussian() * 0.2);
        }
        e.getValue().set(v);
      }
    }
  }

  private static double meanLogProb(DecoderModel model, List<int[]> p, List<int[]> c) {
    try (NDManager scope = NDManager.newBaseManager(model.device())) {
      TokenLogProbs lp = model.logProbs(p, c, scope);
      return lp.logProbs().sum().getFloat() / lp.mask().sum().getFloat();
    }
  }

  private static Map<String, float[]> snapshot(Map<String, NDArray> params) {
    Map<String, float[]> out = new HashMap<>();
    params.forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  private static float step(DecoderModel model, Optimizer optimizer, List<int[]> p, List<int[]> c) {
    try (NDManager scope = NDManager.newBaseManager(model.device())) {
      float objective;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        TokenLogProbs lp = model.logProbs(p, c, scope);
        NDArray loss = lp.logProbs().sum().div(lp.mask().sum()).neg();
        objective = -loss.getFloat();
        collector.backward(loss);
      }
      for (Map.Entry<String, NDArray> e : model.trainableParameters().entrySet()) {
        try (NDArray gradient = e.getValue().getGradient()) {
          optimizer.update(e.getKey(), e.getValue(), gradient);
        }
      }
      model.zeroGradients();
      return objective;
    }
  }

  private static int[] prepend(int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = CharTokenizer.BOS;
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  private static int[] append(int[] ids) {
    int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = CharTokenizer.EOS;
    return out;
  }
}
