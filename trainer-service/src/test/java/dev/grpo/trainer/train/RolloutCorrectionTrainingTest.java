package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.RolloutCorrection;
import dev.grpo.trainer.grpo.RolloutMismatch;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollout correction on the real model through {@link GrpoTrainer#step}: without a correction
 * the rollout log-probs change nothing, bit for bit; with rollout log-probs off by a known factor
 * the correction does what its formula says; and the embedded sampler's own log-probs (the {@code
 * BatchSampler} the embedded backend runs) measured against the trainer's recomputation over a
 * short run.
 */
class RolloutCorrectionTrainingTest {

  private static final int GROUP = 4;
  private static final int PROMPTS = 4;

  private static AdamW optimizer() {
    return new AdamW(
        new AdamW.Config(1e-3, 0.9, 0.999, 1e-8, 0.0, 1.0), LearningRateSchedule.constant());
  }

  /**
   * Sampled completions with their sampler log-probs and set rewards (the untrained model earns
   * none, and equal rewards would give no gradient to compare).
   */
  private static RolloutBatch sampled(DecoderModel policy) {
    RolloutBatch b =
        ArithmeticTask.rolloutWithLogProbs(
            policy, ArithmeticTask.problems(0, PROMPTS), GROUP, 10, 1f, 11L);
    double[] rewards = {1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1};
    return new RolloutBatch(
        b.prompts(), GROUP, b.completions(), null, rewards, b.truncated(), b.rolloutLogProbs());
  }

  private static RolloutBatch withRollout(RolloutBatch b, List<float[]> rollout) {
    return new RolloutBatch(
        b.prompts(), b.groupSize(), b.completions(), null, b.rewards(), b.truncated(), rollout);
  }

  /** The batch's rollout log-probs, each token's moved by {@code shift[i]} for completion i. */
  private static List<float[]> shifted(RolloutBatch b, double[] shift) {
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < b.size(); i++) {
      float[] row = b.rolloutLogProbs().get(i).clone();
      for (int t = 0; t < row.length; t++) {
        row[t] = (float) (row[t] + shift[i]);
      }
      out.add(row);
    }
    return out;
  }

  private record Stepped(List<StepMetrics> steps, Map<String, float[]> weights) {}

  /** Two steps (μ = 2, so π_old is recomputed) of a fresh seed-5 tiny model on {@code batch}. */
  private static Stepped twoSteps(RolloutBatch batch, GrpoConfig objective) {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu());
        AdamW opt = optimizer()) {
      GrpoTrainer trainer =
          new GrpoTrainer(policy, null, opt, new GrpoTrainer.Options(objective, 2, 1f));
      List<StepMetrics> steps = List.of(trainer.step(batch), trainer.step(batch));
      Map<String, float[]> weights = new java.util.TreeMap<>();
      for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
        weights.put(e.getKey(), e.getValue().toFloatArray());
      }
      return new Stepped(steps, weights);
    }
  }

  @Test
  void withoutACorrectionTheRolloutLogProbsChangeNoWeightBitForBit() {
    RolloutBatch batch;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu())) {
      batch = sampled(policy);
    }
    GrpoConfig none = GrpoConfig.builder().build();
    Stepped without = twoSteps(withRollout(batch, null), none);
    Stepped with = twoSteps(batch, none);

    assertThat(with.weights().keySet()).isEqualTo(without.weights().keySet());
    with.weights()
        .forEach((name, w) -> assertThat(w).as(name).isEqualTo(without.weights().get(name)));
    for (int s = 0; s < 2; s++) {
      assertThat(with.steps().get(s).loss()).isEqualTo(without.steps().get(s).loss());
      assertThat(with.steps().get(s).gradNorm()).isEqualTo(without.steps().get(s).gradNorm());
      assertThat(without.steps().get(s).mismatch()).isNull();
      assertThat(with.steps().get(s).mismatch().maskedFraction()).isZero();
    }
    // the weights did move: the comparison above is not of two untouched models
    try (DecoderModel initial = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu())) {
      long moved =
          initial.parameters().entrySet().stream()
              .filter(
                  e -> !Arrays.equals(e.getValue().toFloatArray(), with.weights().get(e.getKey())))
              .count();
      assertThat(moved).isPositive();
    }
  }

  @Test
  void truncatedIsWeightsEveryTokenByTheCappedRatio() {
    RolloutBatch batch;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu())) {
      batch = sampled(policy);
    }
    // π_rollout = π_old / 4 everywhere: r = 4, capped at 2, so the policy loss doubles
    double[] quarter = new double[batch.size()];
    Arrays.fill(quarter, -Math.log(4));
    RolloutBatch off = withRollout(batch, shifted(batch, quarter));
    GrpoConfig plain = GrpoConfig.builder().build();
    GrpoConfig truncated =
        plain.toBuilder().rolloutCorrection(RolloutCorrection.truncated(2)).build();

    StepMetrics base = step(off, plain);
    StepMetrics corrected = step(off, truncated);

    assertThat(base.gradNorm()).isGreaterThan(1e-3);
    assertThat(corrected.loss()).isCloseTo(2 * base.loss(), offset(1e-6 * Math.abs(base.loss())));
    assertThat(corrected.gradNorm()).isCloseTo(2 * base.gradNorm(), offset(1e-4 * base.gradNorm()));
    RolloutMismatch m = corrected.mismatch();
    // the sampler's and the trainer's log-probs agree to float precision, so the shift is all
    assertThat(m.klK1()).isCloseTo(-Math.log(4), offset(1e-4));
    assertThat(m.isWeightMean()).isCloseTo(4, offset(1e-3));
    assertThat(m.klK3()).isCloseTo(4 - 1 - Math.log(4), offset(1e-3));
    assertThat(m.maskedFraction()).isZero();
  }

  @Test
  void aSequenceMaskDropsExactlyTheSequencesOutsideTheBand() {
    RolloutBatch batch;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu())) {
      batch = sampled(policy);
    }
    // completions 1 and 6 at r = 8 (above 5), completion 9 at r = 1/3 (below 0.5), the rest at 1.5
    double[] shift = new double[batch.size()];
    Arrays.fill(shift, -Math.log(1.5));
    shift[1] = -Math.log(8);
    shift[6] = -Math.log(8);
    shift[9] = Math.log(3);
    RolloutBatch off = withRollout(batch, shifted(batch, shift));
    GrpoConfig masked =
        GrpoConfig.builder()
            .rolloutCorrection(RolloutCorrection.maskSequences(0.5, 5, Double.NaN))
            .build();

    RolloutMismatch m = step(off, masked).mismatch();

    int total = 0;
    int dropped = 0;
    for (int i = 0; i < batch.size(); i++) {
      int n = batch.completions().get(i).length;
      total += n;
      dropped += i == 1 || i == 6 || i == 9 ? n : 0;
    }
    assertThat(dropped).isPositive();
    assertThat(m.maskedFraction()).isCloseTo((double) dropped / total, offset(1e-12));
    assertThat(m.isWeightMax()).isCloseTo(8, offset(1e-3));
  }

  private static StepMetrics step(RolloutBatch batch, GrpoConfig objective) {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu());
        AdamW opt = optimizer()) {
      return new GrpoTrainer(policy, null, opt, new GrpoTrainer.Options(objective, 1, 1f))
          .step(batch);
    }
  }
}
