package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients of {@link DecoderModel#logProbs} survive a garbage collection between forward and
 * backward: the DJL {@code op(Number)} hazard described in {@link GraphConstants}. Every
 * parameter's gradient must be bit-identical to a run without the collection.
 */
class PolicyGradientGcTest {

  private static final List<int[]> PROMPTS = List.of(new int[] {1, 20, 21, 22}, new int[] {1, 30});
  private static final List<int[]> COMPLETIONS =
      List.of(new int[] {40, 41, 2}, new int[] {50, 51, 52, 53, 2});

  /** The tiny model (grouped-query attention) and a multi-head variant with biases. */
  static List<Arguments> cases() {
    ModelConfig gqa = ModelConfig.tiny();
    ModelConfig mha =
        new ModelConfig(
            "qwen2", 32, 64, 2, 2, 2, 16, gqa.vocabSize(), 64, 1e-5, 1e4, false, true, true);
    return List.of(
        Arguments.of("gqa", gqa, 1f),
        Arguments.of("gqa", gqa, 0.7f),
        Arguments.of("mha", mha, 1f),
        Arguments.of("mha", mha, 1.3f));
  }

  private static Map<String, float[]> gradients(
      DecoderModel model, float temperature, boolean collectGarbage) {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        TokenLogProbs lp = model.logProbs(PROMPTS, COMPLETIONS, temperature, scope);
        NDArray loss = lp.logProbs().sum().neg().add(lp.entropy().sum());
        if (collectGarbage) {
          System.gc();
          try (NDManager noise = NDManager.newBaseManager()) {
            for (int i = 0; i < 2000; i++) {
              noise.create(new float[] {1e30f}).close();
            }
          }
        }
        collector.backward(loss);
      }
      Map<String, float[]> out = new TreeMap<>();
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        try (NDArray g = e.getValue().getGradient()) {
          out.put(e.getKey(), g.toFloatArray());
        }
      }
      model.zeroGradients();
      return out;
    }
  }

  @ParameterizedTest(name = "{0}, temperature {2}")
  @MethodSource("cases")
  void gradientsDoNotChangeWhenGarbageIsCollectedBeforeBackward(
      String name, ModelConfig config, float temperature) {
    try (DecoderModel model = DecoderModel.randomInit(config, 7, Device.cpu())) {
      model.setRequiresGradient(true);
      Map<String, float[]> expected = gradients(model, temperature, false);
      List<String> differing = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        Map<String, float[]> actual = gradients(model, temperature, true);
        for (String parameter : expected.keySet()) {
          if (!Arrays.equals(expected.get(parameter), actual.get(parameter))) {
            differing.add(round + ":" + parameter);
          }
        }
      }
      assertThat(differing).isEmpty();
      assertThat(expected.get("model.layers.0.self_attn.q_proj.weight"))
          .as("gradient reaches the first layer")
          .matches(g -> g.length > 0 && Math.abs(g[0]) + Math.abs(g[1]) > 0);
    }
  }
}
