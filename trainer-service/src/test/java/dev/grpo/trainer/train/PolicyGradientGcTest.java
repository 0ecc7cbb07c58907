package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.TokenLogProbs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link PolicyLogProbs} against {@link DecoderModel#logProbs}: the same values, and gradients that
 * survive a garbage collection between forward and backward (the DJL {@code op(Number)} hazard).
 */
class PolicyGradientGcTest {

  private static final List<int[]> PROMPTS = List.of(new int[] {1, 20, 21, 22}, new int[] {1, 30});
  private static final List<int[]> COMPLETIONS =
      List.of(new int[] {40, 41, 2}, new int[] {50, 51, 52, 53, 2});

  private static Map<String, float[]> gradients(DecoderModel model, boolean collectGarbage) {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        TokenLogProbs lp = PolicyLogProbs.compute(model, PROMPTS, COMPLETIONS, 0.7f, scope);
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

  @Test
  void gradientsDoNotChangeWhenGarbageIsCollectedBeforeBackward() {
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(), 7, Device.cpu())) {
      model.setRequiresGradient(true);
      Map<String, float[]> expected = gradients(model, false);
      List<String> differing = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        Map<String, float[]> actual = gradients(model, true);
        for (String name : expected.keySet()) {
          if (!Arrays.equals(expected.get(name), actual.get(name))) {
            differing.add(round + ":" + name);
          }
        }
      }
      assertThat(differing).isEmpty();
      assertThat(expected.get("model.layers.0.self_attn.q_proj.weight"))
          .as("gradient reaches the first layer")
          .matches(g -> g.length > 0 && Math.abs(g[0]) + Math.abs(g[1]) > 0);
    }
  }

  @Test
  void valuesEqualTheModelsOwnLogProbsBitForBit() {
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(), 8, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      for (float temperature : new float[] {1f, 0.7f}) {
        TokenLogProbs ours =
            PolicyLogProbs.compute(model, PROMPTS, COMPLETIONS, temperature, scope);
        TokenLogProbs theirs = model.logProbs(PROMPTS, COMPLETIONS, temperature, scope);
        assertThat(ours.logProbs().toFloatArray())
            .containsExactly(theirs.logProbs().toFloatArray());
        assertThat(ours.entropy().toFloatArray()).containsExactly(theirs.entropy().toFloatArray());
        assertThat(ours.mask().toFloatArray()).containsExactly(theirs.mask().toFloatArray());
      }
    }
  }
}
