package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The path the trainer takes: log-probs in a GradientCollector, backward, optimiser update. */
class TrainingStepTest {

  private final CharTokenizer tokenizer = new CharTokenizer();

  private float step(DecoderModel model, Optimizer optimizer, List<int[]> p, List<int[]> c) {
    try (NDManager scope = NDManager.newBaseManager(model.device())) {
      float objective;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        TokenLogProbs lp = model.logProbs(p, c, scope);
        NDArray loss = lp.logProbs().sum().div(lp.mask().sum()).neg();
        objective = -loss.getFloat();
        collector.backward(loss);
      }
      if (optimizer != null) {
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
          try (NDArray gradient = e.getValue().getGradient()) {
            optimizer.update(e.getKey(), e.getValue(), gradient);
          }
        }
        model.zeroGradients();
      }
      return objective;
    }
  }

  @Test
  void adamStepsRaiseTheLogProbabilityOfACompletion() {
    ModelConfig config = ModelConfig.tiny(tokenizer.vocabSize());
    List<int[]> prompts = List.of(prepend(tokenizer.encode("2+2=")));
    List<int[]> completions = List.of(append(tokenizer.encode("<answer>4</answer>")));
    try (DecoderModel model = DecoderModel.randomInit(config, 1, Device.cpu())) {
      model.setRequiresGradient(true);
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build();
      float first = step(model, adam, prompts, completions);
      float last = first;
      for (int i = 0; i < 15; i++) {
        last = step(model, adam, prompts, completions);
      }
      assertThat(first).isLessThan(-4f);
      assertThat(last).isGreaterThan(-1f);
    }
  }

  @Test
  void gradientsAccumulateAcrossBackwardPassesUntilZeroed() {
    ModelConfig config = ModelConfig.tiny(tokenizer.vocabSize());
    List<int[]> prompts = List.of(prepend(tokenizer.encode("1+1=")));
    List<int[]> completions = List.of(append(tokenizer.encode("2")));
    try (DecoderModel model = DecoderModel.randomInit(config, 2, Device.cpu())) {
      model.setRequiresGradient(true);
      NDArray w = model.parameters().get("model.layers.0.mlp.up_proj.weight");
      step(model, null, prompts, completions);
      float[] once = w.getGradient().toFloatArray();
      step(model, null, prompts, completions);
      float[] twice = w.getGradient().toFloatArray();
      for (int i = 0; i < once.length; i++) {
        assertThat(twice[i]).isCloseTo(2 * once[i], offset(1e-6f));
      }
      model.zeroGradients();
      assertThat(w.getGradient().abs().max().getFloat()).isZero();
      step(model, null, prompts, completions);
      assertThat(w.getGradient().toFloatArray()).containsExactly(once, offset(1e-7f));
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
