package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpoTrainerTest {

  private static final int[] PROMPT = ArithmeticTask.problem(0).promptIds();
  private static final int[] GOOD = ArithmeticTask.problem(0).example().completion();
  private static final int[] BAD = ArithmeticTask.TOKENIZER.encode("<answer>x</answer>");

  private static AdamW adam(double lr) {
    return new AdamW(
        new AdamW.Config(lr, 0.9, 0.999, 1e-8, 0.0, 1.0), LearningRateSchedule.constant());
  }

  private static RolloutBatch twoCompletions(double goodReward, double badReward) {
    return new RolloutBatch(
        List.of(PROMPT),
        2,
        List.of(GOOD, BAD),
        null,
        new double[] {goodReward, badReward},
        new boolean[] {false, false});
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

  @Test
  void theRewardedCompletionBecomesMoreLikelyAndTheOtherLessLikely() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        DecoderModel reference = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        AdamW opt = adam(1e-2)) {
      double good = sequenceLogProb(policy, GOOD);
      double bad = sequenceLogProb(policy, BAD);
      GrpoConfig objective = GrpoConfig.builder().beta(0.04).build();
      GrpoTrainer trainer =
          new GrpoTrainer(policy, reference, opt, new GrpoTrainer.Options(objective, 1, 1f));
      StepMetrics m = trainer.step(twoCompletions(1, 0));
      assertThat(m.step()).isEqualTo(1);
      assertThat(m.learningRate()).isEqualTo(1e-2);
      assertThat(m.rewardMean()).isEqualTo(0.5);
      assertThat(m.kl()).as("policy == reference before the update").isCloseTo(0, offset(1e-7));
      assertThat(m.clipRatio()).isZero();
      assertThat(m.entropy()).isBetween(3.0, Math.log(104) + 1e-3);
      assertThat(m.gradNorm()).isPositive().isFinite();
      // The two share tokens (<answer>, </answer>), so both may move up together; what the
      // advantage fixes is the gap between them.
      double goodAfter = sequenceLogProb(policy, GOOD);
      double badAfter = sequenceLogProb(policy, BAD);
      assertThat(goodAfter).isGreaterThan(good + 0.1);
      assertThat(goodAfter - badAfter).isGreaterThan(good - bad + 0.5);
      StepMetrics next = trainer.step(twoCompletions(1, 0));
      assertThat(next.kl()).as("moved away from the reference").isPositive();
    }
  }

  @Test
  void muIterationsRunThatManyUpdatesAgainstTheLogProbsBeforeTheFirst() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 2, Device.cpu());
        AdamW opt = adam(5e-2)) {
      GrpoConfig objective = GrpoConfig.builder().epsilonLow(0.01).epsilonHigh(0.01).build();
      GrpoTrainer trainer =
          new GrpoTrainer(policy, null, opt, new GrpoTrainer.Options(objective, 3, 1f));
      StepMetrics m = trainer.step(twoCompletions(1, 0));
      assertThat(m.updates()).hasSize(3);
      assertThat(m.step()).isEqualTo(3);
      assertThat(m.first().clipRatioRegion()).isZero();
      assertThat(m.kl()).isNaN();
      // a large lr and a tight ε: by the last update the ratio against the old policy is clipped
      assertThat(m.last().clipRatioRegion()).isPositive();
    }
  }

  @Test
  void equalRewardsInEveryGroupLeaveTheWeightsExactlyUnchanged() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu());
        AdamW opt = adam(1e-2)) {
      Map<String, float[]> before = snapshot(policy);
      GrpoTrainer trainer =
          new GrpoTrainer(
              policy, null, opt, new GrpoTrainer.Options(GrpoConfig.builder().build(), 1, 0.8f));
      StepMetrics m = trainer.step(twoCompletions(0.7, 0.7));
      assertThat(m.zeroAdvantageFraction()).isEqualTo(1.0);
      assertThat(m.gradNorm()).isZero();
      snapshot(policy)
          .forEach((name, w) -> assertThat(w).as(name).containsExactly(before.get(name)));
    }
  }

  @Test
  void oldLogProbsFromSamplingEqualToTheCurrentPolicyGiveTheOnPolicyLoss() {
    float[][] old = new float[2][];
    try (DecoderModel probe = DecoderModel.randomInit(ModelConfig.tiny(), 4, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      var lp = probe.logProbs(List.of(PROMPT, PROMPT), List.of(GOOD, BAD), 1f, scope);
      old[0] = lp.logProbs(0);
      old[1] = lp.logProbs(1);
    }
    double onPolicy;
    double withOld;
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 4, Device.cpu());
        AdamW opt = adam(1e-3)) {
      onPolicy =
          new GrpoTrainer(
                  policy, null, opt, new GrpoTrainer.Options(GrpoConfig.builder().build(), 1, 1f))
              .step(twoCompletions(1, 0))
              .loss();
    }
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 4, Device.cpu());
        AdamW opt = adam(1e-3)) {
      RolloutBatch batch =
          new RolloutBatch(
              List.of(PROMPT),
              2,
              List.of(GOOD, BAD),
              List.of(old),
              new double[] {1, 0},
              new boolean[] {false, false});
      withOld =
          new GrpoTrainer(
                  policy, null, opt, new GrpoTrainer.Options(GrpoConfig.builder().build(), 1, 1f))
              .step(batch)
              .loss();
    }
    assertThat(withOld).isCloseTo(onPolicy, offset(1e-6));
  }

  @Test
  void betaNeedsAReferenceModel() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 5, Device.cpu());
        AdamW opt = adam(1e-3)) {
      GrpoTrainer.Options options =
          new GrpoTrainer.Options(GrpoConfig.builder().beta(0.1).build(), 1, 1f);
      assertThatThrownBy(() -> new GrpoTrainer(policy, null, opt, options))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("reference");
    }
  }

  private static Map<String, float[]> snapshot(DecoderModel model) {
    Map<String, float[]> out = new java.util.TreeMap<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      out.put(e.getKey(), e.getValue().toFloatArray());
    }
    return out;
  }
}
