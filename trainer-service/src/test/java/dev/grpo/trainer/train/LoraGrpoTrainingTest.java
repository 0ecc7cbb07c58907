package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** GRPO on a LoRA policy: the adapters learn, the base does not move, AdamW keeps adapter state. */
class LoraGrpoTrainingTest {

  private static final int[] PROMPT = ArithmeticTask.problem(0).promptIds();
  private static final int[] GOOD = ArithmeticTask.problem(0).example().completion();
  private static final int[] BAD = ArithmeticTask.TOKENIZER.encode("<answer>x</answer>");
  private static final LoraConfig LORA =
      // no dropout: its mask is not seeded, and a learning assertion must not depend on it
      new LoraConfig(8, 16, 0.0, List.of("q_proj", "k_proj", "v_proj", "o_proj", "up_proj"));

  @Test
  void grpoStepsMoveOnlyTheAdaptersAndTheOptimizerHoldsStateForThemAlone() {
    ModelConfig config = ModelConfig.tiny();
    try (DecoderModel policy = DecoderModel.randomInit(config, 1, Device.cpu());
        DecoderModel reference = DecoderModel.randomInit(config, 1, Device.cpu());
        AdamW opt =
            new AdamW(
                new AdamW.Config(2e-2, 0.9, 0.999, 1e-8, 0.01, 1.0),
                LearningRateSchedule.constant())) {
      Map<String, float[]> base = new HashMap<>();
      policy.parameters().forEach((k, v) -> base.put(k, v.toFloatArray()));
      policy.attachAdapters(LoraAdapters.init(config, LORA, 9, Device.cpu()));
      // what GRPO moves for a pair with advantages +1 / -1: the gap between its two completions
      double gapBefore = sequenceLogProb(policy, GOOD) - sequenceLogProb(policy, BAD);
      GrpoTrainer trainer =
          new GrpoTrainer(
              policy,
              reference,
              opt,
              new GrpoTrainer.Options(GrpoConfig.builder().beta(0.04).build(), 1, 1f));
      RolloutBatch batch =
          new RolloutBatch(
              List.of(PROMPT),
              2,
              List.of(GOOD, BAD),
              null,
              new double[] {1, 0},
              new boolean[] {false, false});
      for (int i = 0; i < 4; i++) {
        trainer.step(batch);
      }
      double gapAfter = sequenceLogProb(policy, GOOD) - sequenceLogProb(policy, BAD);
      System.out.printf("LoRA GRPO: log-prob gap good - bad %.3f -> %.3f%n", gapBefore, gapAfter);
      assertThat(gapAfter).isGreaterThan(gapBefore + 0.1);
      for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
        assertThat(e.getValue().toFloatArray())
            .as("base tensor %s is bit-identical after 4 updates", e.getKey())
            .containsExactly(base.get(e.getKey()));
      }
      try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
        Map<String, NDArray> state = opt.exportState(m);
        Set<String> expected = new TreeSet<>();
        expected.add(AdamW.STEP_KEY);
        for (String name : LoraAdapters.shapes(config, LORA).keySet()) {
          expected.add(name + ".exp_avg");
          expected.add(name + ".exp_avg_sq");
        }
        assertThat(new TreeSet<>(state.keySet())).isEqualTo(expected);
        long stateFloats =
            state.entrySet().stream()
                .filter(e -> !e.getKey().equals(AdamW.STEP_KEY))
                .mapToLong(e -> e.getValue().size())
                .sum();
        long adapterFloats =
            policy.trainableParameters().values().stream().mapToLong(NDArray::size).sum();
        assertThat(stateFloats).isEqualTo(2 * adapterFloats);
      }
    }
  }

  private static double sequenceLogProb(DecoderModel model, int[] completion) {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      return model
          .logProbs(List.of(PROMPT), List.of(completion), 1f, scope)
          .logProbs()
          .sum()
          .getFloat();
    }
  }
}
