package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.RolloutCorrection;
import dev.grpo.trainer.grpo.RolloutMismatch;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How far the embedded sampler's log-probs (the policy module's {@code BatchSampler} with a KV
 * cache, the embedded backend's sampler, raw log-probs) are from the trainer's recomputation of the
 * same policy (one full forward pass): a short run of the learning test's recipe (cold-start SFT on
 * the tiny model, then GRPO steps of 16 prompts × G 8) with {@code truncated_is} at cap 2, printing
 * each step's mismatch. The two agree to float32 precision; a rollout at another temperature than
 * the trainer's (the TRL bug of trl#4159) is visible at once.
 */
class SamplerMismatchTest {

  private static final int STEPS = 10;
  private static final int PROMPTS = 16;
  private static final int GROUP = 8;

  private static List<RolloutMismatch> run(float samplingTemperature, float trainerTemperature) {
    GrpoConfig objective =
        GrpoConfig.builder().rolloutCorrection(RolloutCorrection.truncated(2)).build();
    List<RolloutMismatch> out = new ArrayList<>();
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        AdamW sftOptimizer =
            new AdamW(
                new AdamW.Config(LearningRun.SFT_LR, 0.9, 0.999, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant());
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(LearningRun.GRPO_LR, 0.9, 0.99, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant())) {
      List<SftExample> examples = new ArrayList<>();
      for (ArithmeticTask.Problem p : ArithmeticTask.problems(0, 300)) {
        examples.add(p.example());
      }
      SftTrainer sft = new SftTrainer(policy, sftOptimizer);
      for (int epoch = 0; epoch < 5; epoch++) {
        for (int start = 0; start < examples.size(); start += 30) {
          sft.step(examples.subList(start, Math.min(examples.size(), start + 30)));
        }
      }
      GrpoTrainer trainer =
          new GrpoTrainer(
              policy, null, optimizer, new GrpoTrainer.Options(objective, 1, trainerTemperature));
      TrainingState state = TrainingState.start(1);
      for (int step = 0; step < STEPS; step++) {
        RolloutBatch batch =
            ArithmeticTask.rolloutWithLogProbs(
                policy,
                ArithmeticTask.problems(1000 + state.dataCursor(), PROMPTS),
                GROUP,
                14,
                samplingTemperature,
                state.seedForStep());
        out.add(trainer.step(batch).mismatch());
        state = state.advance(PROMPTS);
      }
    }
    return out;
  }

  private static void print(String title, List<RolloutMismatch> steps) {
    System.out.println(title);
    System.out.println("| step | mismatch KL k1 | k3 | IS weight mean | IS weight max |");
    System.out.println("|---:|---:|---:|---:|---:|");
    for (int s = 0; s < steps.size(); s++) {
      RolloutMismatch m = steps.get(s);
      System.out.printf(
          "| %d | %.3e | %.3e | %.7f | %.7f |%n",
          s, m.klK1(), m.klK3(), m.isWeightMean(), m.isWeightMax());
    }
  }

  @Test
  void theEmbeddedSamplersLogProbsMatchTheTrainersToFloatPrecision() {
    List<RolloutMismatch> steps = run(1f, 1f);
    print("embedded sampler vs trainer, temperature 1, truncated_is cap 2", steps);
    for (RolloutMismatch m : steps) {
      assertThat(Math.abs(m.klK1())).isLessThan(1e-5);
      assertThat(m.klK3()).isBetween(0.0, 1e-10);
      assertThat(m.isWeightMax()).isLessThan(1.001);
      assertThat(m.maskedFraction()).isZero();
    }
  }

  @Test
  void atTemperature07BothSidesStillAgreeToFloatPrecision() {
    List<RolloutMismatch> steps = run(0.7f, 0.7f);
    print("embedded sampler vs trainer, temperature 0.7 on both sides, truncated_is cap 2", steps);
    for (RolloutMismatch m : steps) {
      assertThat(Math.abs(m.klK1())).isLessThan(1e-5);
      assertThat(m.isWeightMax()).isLessThan(1.001);
    }
  }

  @Test
  void aRolloutAtAnotherTemperatureThanTheTrainersShowsUpAsMismatch() {
    List<RolloutMismatch> steps = run(0.7f, 1f);
    print("sampling at temperature 0.7, trainer at 1 (a misconfiguration)", steps);
    for (RolloutMismatch m : steps) {
      assertThat(m.klK3()).isGreaterThan(1e-3);
      assertThat(m.isWeightMax()).isGreaterThan(1.5);
    }
  }
}
