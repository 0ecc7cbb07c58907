package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.ppo.PpoConfig;
import dev.grpo.trainer.ppo.PpoMetrics;
import dev.grpo.trainer.ppo.ValueModel;
import dev.grpo.trainer.ppo.ValueModelKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * "PPO trains": the tiny model after the cold start of {@link LearningRun}, then PPO steps with a
 * separate critic (a copy of the cold-started policy with a fresh scalar head) on the same
 * arithmetic task. The critic learns the returns (value loss falls, explained variance rises from
 * about 0 to clearly positive) and the policy's mean reward rises. Numerics are pinned by the build
 * (1 thread, ATEN_CPU_CAPABILITY=avx2, MKL_CBWR=AVX2, see {@link ArithmeticLearningTest}); the
 * margins below are a fraction of what was measured, printed by the test.
 */
class PpoLearningTest {

  static final int STEPS = 40;
  static final long SEED = 1;

  @Test
  void theCriticLearnsTheReturnsAndThePolicyItsReward() {
    List<PpoMetrics> metrics = new ArrayList<>();
    double before;
    double after;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), SEED, Device.cpu())) {
      LearningRun.coldStart(policy);
      before =
          ArithmeticTask.meanReward(policy, LearningRun.EVAL_SAMPLES, 1f, LearningRun.EVAL_SEED);
      PpoConfig ppo = new PpoConfig(ValueModelKind.SEPARATE, 1.0, 0.95, true, 0.2, 0.5);
      try (AdamW optimizer =
              new AdamW(
                  new AdamW.Config(LearningRun.GRPO_LR, 0.9, 0.99, 1e-8, 0.0, 1.0),
                  LearningRateSchedule.constant());
          Critic critic =
              new Critic(
                  ValueModel.separate(copy(policy), SEED),
                  new AdamW(
                      new AdamW.Config(1e-3, 0.9, 0.99, 1e-8, 0.0, 1.0),
                      LearningRateSchedule.constant()),
                  ppo)) {
        GrpoTrainer trainer =
            new GrpoTrainer(
                policy,
                null,
                optimizer,
                new GrpoTrainer.Options(GrpoConfig.builder().build(), 1, 1f),
                critic);
        TrainingState state = TrainingState.start(SEED);
        for (int step = 0; step < STEPS; step++) {
          RolloutBatch batch =
              ArithmeticTask.rollout(
                  policy,
                  ArithmeticTask.problems(1000 + state.dataCursor(), LearningRun.PROMPTS),
                  LearningRun.GROUP,
                  14,
                  1f,
                  state.seedForStep());
          PpoMetrics m = trainer.step(batch).ppo();
          metrics.add(m);
          System.out.printf(
              "step %2d reward %.3f value loss %.4f explained variance %+.3f clip %.3f%n",
              step,
              batch.meanReward(),
              m.valueLoss(),
              m.explainedVariance(),
              m.valueClipFraction());
          state = state.advance(LearningRun.PROMPTS);
        }
      }
      after =
          ArithmeticTask.meanReward(policy, LearningRun.EVAL_SAMPLES, 1f, LearningRun.EVAL_SEED);
    }
    double lossFirst = mean(metrics.subList(0, 5), true);
    double lossLast = mean(metrics.subList(STEPS - 10, STEPS), true);
    double evFirst = mean(metrics.subList(0, 5), false);
    double evLast = mean(metrics.subList(STEPS - 10, STEPS), false);
    System.out.printf(
        "value loss %.4f -> %.4f, explained variance %+.3f -> %+.3f, reward %.3f -> %.3f%n",
        lossFirst, lossLast, evFirst, evLast, before, after);
    assertThat(lossLast).as("value loss, last 10 steps vs first 5").isLessThan(0.5 * lossFirst);
    assertThat(evLast).as("explained variance, last 10 steps").isGreaterThan(evFirst + 0.15);
    assertThat(after - before).as("mean reward gain").isGreaterThan(0.03);
  }

  private static double mean(List<PpoMetrics> ms, boolean loss) {
    return ms.stream()
        .mapToDouble(m -> loss ? m.valueLoss() : m.explainedVariance())
        .average()
        .orElseThrow();
  }

  private static DecoderModel copy(DecoderModel policy) {
    java.util.Map<String, ai.djl.ndarray.NDArray> copies = new java.util.LinkedHashMap<>();
    try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
      policy
          .parameters()
          .forEach(
              (name, array) -> {
                ai.djl.ndarray.NDArray c = array.stopGradient().duplicate();
                c.attach(manager);
                copies.put(name, c);
              });
      return DecoderModel.fromWeights(policy.config(), copies, Device.cpu());
    }
  }
}
