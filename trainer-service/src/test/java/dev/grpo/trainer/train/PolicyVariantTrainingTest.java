package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GroupAdvantages;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.LossAggregation;
import dev.grpo.trainer.grpo.PolicyLoss;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GSPO and CISPO on the real model through {@link GrpoTrainer#step}: the rollout log-probs are the
 * policy's own shifted by a known δ_i per sequence, so every sequence ratio is e^{δ_i} and what
 * each loss must report is known before the step.
 */
class PolicyVariantTrainingTest {

  private static final int GROUP = 4;
  private static final int PROMPTS = 2;
  private static final int N = GROUP * PROMPTS;
  // rewards 1,0,1,0 / 0,1,1,0: advantages +,−,+,− / −,+,+,−
  private static final double[] REWARDS = {1, 0, 1, 0, 0, 1, 1, 0};
  // log π − log π_old per sequence: inside GSPO's ±3e-4/4e-4 band for some, outside for others,
  // far inside PPO's 0.2 band for all
  private static final double[] DELTA = {2e-3, -2e-3, 1e-4, 3e-3, -2.5e-3, -1e-4, 2e-3, -5e-3};

  private record Sampled(RolloutBatch batch, List<float[]> logp) {}

  private static Sampled sample(DecoderModel policy) {
    RolloutBatch sampled =
        ArithmeticTask.rollout(policy, ArithmeticTask.problems(0, PROMPTS), GROUP, 10, 1f, 7L);
    List<float[]> logp = new ArrayList<>();
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      var lp = policy.logProbs(sampled.promptPerCompletion(), sampled.completions(), 1f, scope);
      for (int i = 0; i < N; i++) {
        logp.add(lp.logProbs(i));
      }
    }
    List<float[]> old = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[] row = logp.get(i).clone();
      for (int t = 0; t < row.length; t++) {
        row[t] = (float) (row[t] - DELTA[i]);
      }
      old.add(row);
    }
    RolloutBatch batch =
        new RolloutBatch(
            sampled.prompts(), GROUP, sampled.completions(), old, REWARDS, new boolean[N]);
    return new Sampled(batch, logp);
  }

  private static StepMetrics step(GrpoConfig objective) {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu());
        AdamW opt =
            new AdamW(
                new AdamW.Config(1e-3, 0.9, 0.999, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant())) {
      Sampled s = sample(policy);
      GrpoTrainer trainer =
          new GrpoTrainer(policy, null, opt, new GrpoTrainer.Options(objective, 1, 1f));
      return trainer.step(s.batch());
    }
  }

  @Test
  void gspoClipsWholeSequencesWherePpoClipsNoToken() {
    double[] a = GroupAdvantages.compute(REWARDS, GROUP, GrpoConfig.builder().build());
    int low = 0;
    int high = 0;
    for (int i = 0; i < N; i++) {
      low += Math.exp(DELTA[i]) < 1 - 3e-4 && a[i] < 0 ? 1 : 0;
      high += Math.exp(DELTA[i]) > 1 + 4e-4 && a[i] > 0 ? 1 : 0;
    }
    assertThat(low).isEqualTo(3);
    assertThat(high).isEqualTo(2);

    GrpoConfig gspo =
        GrpoConfig.builder()
            .policyLoss(PolicyLoss.GSPO)
            .lossAggregation(LossAggregation.GRPO)
            .epsilonLow(3e-4)
            .epsilonHigh(4e-4)
            .build();
    StepMetrics sequence = step(gspo);
    assertThat(sequence.first().clipRatioLow()).isEqualTo((double) low / N);
    assertThat(sequence.first().clipRatioHigh()).isEqualTo((double) high / N);
    assertThat(sequence.clipRatio()).isEqualTo((double) (low + high) / N);
    assertThat(sequence.gradNorm()).isPositive();

    StepMetrics token = step(GrpoConfig.builder().lossAggregation(LossAggregation.GRPO).build());
    assertThat(token.clipRatio()).isZero();
    // unclipped, both losses are −mean_i e^{δ_i}·A_i: GSPO's differs by its clipped sequences only
    double unclipped = 0;
    double gspoLoss = 0;
    for (int i = 0; i < N; i++) {
      double r = Math.exp(DELTA[i]);
      unclipped -= r * a[i] / N;
      double clipped = Math.min(Math.max(r, 1 - 3e-4), 1 + 4e-4);
      gspoLoss -= Math.min(r * a[i], clipped * a[i]) / N;
    }
    assertThat(token.loss()).isCloseTo(unclipped, offset(1e-5));
    assertThat(sequence.loss()).isCloseTo(gspoLoss, offset(1e-5));
    assertThat(Math.abs(gspoLoss - unclipped)).isGreaterThan(5e-4);
  }

  @Test
  void cispoWeighsLogProbsAndKeepsEveryTokensGradient() {
    double[] a = GroupAdvantages.compute(REWARDS, GROUP, GrpoConfig.builder().build());
    // ε 1e-3 both ways: the δ = ±2e-3.. sequences have every weight clipped, yet contribute
    GrpoConfig cispo =
        GrpoConfig.builder()
            .policyLoss(PolicyLoss.CISPO)
            .epsilonLow(1e-3)
            .epsilonHigh(1e-3)
            .build();
    double expected = 0;
    int tokens = 0;
    int clippedTokens = 0;
    List<float[]> logp;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu())) {
      logp = sample(policy).logp();
    }
    for (int i = 0; i < N; i++) {
      double w = Math.min(Math.max(Math.exp(DELTA[i]), 1 - 1e-3), 1 + 1e-3);
      for (float lp : logp.get(i)) {
        expected -= w * a[i] * lp;
      }
      tokens += logp.get(i).length;
      clippedTokens += Math.abs(DELTA[i]) > 1.001e-3 ? logp.get(i).length : 0;
    }
    expected /= tokens;

    StepMetrics m = step(cispo);
    assertThat(m.loss()).isCloseTo(expected, offset(1e-5));
    assertThat(m.clipRatio()).isCloseTo((double) clippedTokens / tokens, offset(1e-12));
    assertThat(m.clipRatio()).isGreaterThan(0.5);
    assertThat(m.gradNorm()).isPositive();

    // PPO's clip at the same ε: the same clipped tokens carry no gradient, and the loss is the
    // ratio's, not the log-prob's
    StepMetrics ppo = step(GrpoConfig.builder().epsilonLow(1e-3).epsilonHigh(1e-3).build());
    assertThat(ppo.loss()).isNotCloseTo(expected, offset(1e-3));
  }
}
