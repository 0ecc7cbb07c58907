package dev.grpo.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.optim.NamedParameter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class GrpoObjectiveTest {

  private static final JsonNode INPUTS =
      ReferenceFixture.load("/grpo/objective_cases.json").get("inputs").get("base");
  private static final double[][] LOGP = ReferenceFixture.matrix(INPUTS.get("logp"));
  private static final double[][] OLD = ReferenceFixture.matrix(INPUTS.get("old"));
  private static final double[][] REF = ReferenceFixture.matrix(INPUTS.get("ref"));
  private static final double[][] MASK = ReferenceFixture.matrix(INPUTS.get("mask"));
  private static final double[][] ENTROPY = ReferenceFixture.matrix(INPUTS.get("entropy"));
  private static final double[] TRUNCATED = ReferenceFixture.vector(INPUTS.get("truncated"));
  private static final double[] ADVANTAGES =
      GroupAdvantages.compute(
          ReferenceFixture.vector(INPUTS.get("rewards")), 4, RewardScaling.GROUP, 1e-4);

  private static final List<GrpoConfig> GRADIENT_CONFIGS =
      List.of(
          GrpoConfig.builder()
              .lossAggregation(LossAggregation.GRPO)
              .beta(0.04)
              .dualClipC(3.0)
              .maskTruncatedCompletions(true)
              .build(),
          GrpoConfig.builder()
              .lossAggregation(LossAggregation.DR_GRPO)
              .beta(0.1)
              .klEstimator(KlEstimator.K2)
              .klClamp(KlClamp.OPENRLHF)
              .entropyCoef(0.01)
              .build(),
          GrpoConfig.builder()
              .lossAggregation(LossAggregation.DAPO)
              .epsilonHigh(0.28)
              .beta(0.001)
              .klClamp(KlClamp.VERL)
              .logRatioClamp(20)
              .dualClipC(3.0)
              .build(),
          GrpoConfig.builder()
              .lossAggregation(LossAggregation.BNPO)
              .beta(0.04)
              .klEstimator(KlEstimator.K1)
              .delta(1.5)
              .build());

  private static GrpoObjective.Result evaluate(
      NDManager m, double[][] logp, GrpoConfig config, boolean withGradient) {
    NDArray logpArray = m.create(logp);
    if (withGradient) {
      logpArray.setRequiresGradient(true);
    }
    GrpoBatch batch =
        GrpoBatch.of(
                logpArray,
                m.create(OLD),
                m.create(REF),
                m.create(ADVANTAGES),
                m.create(MASK),
                m.create(TRUNCATED))
            .withEntropy(m.create(ENTROPY));
    if (!withGradient) {
      return GrpoObjective.compute(batch, config);
    }
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      GrpoObjective.Result result = GrpoObjective.compute(batch, config);
      collector.backward(result.loss());
      return new GrpoObjective.Result(logpArray.getGradient(), result.metrics());
    }
  }

  @Test
  void gradientMatchesCentralFiniteDifferences() {
    double h = 1e-6;
    double worst = 0;
    try (NDManager m = NDManager.newBaseManager()) {
      for (GrpoConfig config : GRADIENT_CONFIGS) {
        double[] analytic = evaluate(m, LOGP, config, true).loss().toDoubleArray();
        for (int i = 0; i < LOGP.length; i++) {
          for (int t = 0; t < LOGP[i].length; t++) {
            double[][] plus = copy(LOGP);
            double[][] minus = copy(LOGP);
            plus[i][t] += h;
            minus[i][t] -= h;
            double numeric =
                (evaluate(m, plus, config, false).metrics().loss()
                        - evaluate(m, minus, config, false).metrics().loss())
                    / (2 * h);
            double a = analytic[i * LOGP[i].length + t];
            assertThat(a)
                .as("d loss / d logp[%d][%d] for %s", i, t, config)
                .isCloseTo(numeric, offset(1e-7));
            worst = Math.max(worst, Math.abs(a - numeric));
          }
        }
      }
    }
    System.out.println("GRPO autograd vs finite differences max |deviation|: " + worst);
  }

  /**
   * Regression for the DJL {@code op(Number)} hazard described in {@link
   * dev.grpo.policy.model.GraphConstants}: collect garbage and reuse freed direct memory between
   * the forward and the backward pass; the gradient must not change.
   */
  @Test
  void gradientSurvivesGarbageCollectionBetweenForwardAndBackward() {
    GrpoConfig config =
        GrpoConfig.builder()
            .lossAggregation(LossAggregation.DR_GRPO)
            .gradientAccumulationSteps(3)
            .beta(0.3)
            .klEstimator(KlEstimator.K2)
            .delta(1.2)
            .entropyCoef(0.2)
            .build();
    try (NDManager m = NDManager.newBaseManager()) {
      double[] expected = evaluate(m, LOGP, config, true).loss().toDoubleArray();
      for (int round = 0; round < 5; round++) {
        NDArray logp = m.create(LOGP);
        logp.setRequiresGradient(true);
        GrpoBatch batch =
            GrpoBatch.of(
                    logp,
                    m.create(OLD),
                    m.create(REF),
                    m.create(ADVANTAGES),
                    m.create(MASK),
                    m.create(TRUNCATED))
                .withEntropy(m.create(ENTROPY));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          GrpoObjective.Result result = GrpoObjective.compute(batch, config);
          System.gc();
          try (NDManager noise = NDManager.newBaseManager()) {
            for (int i = 0; i < 2000; i++) {
              noise.create(new double[] {1e300}).close();
            }
          }
          collector.backward(result.loss());
        }
        assertThat(logp.getGradient().toDoubleArray())
            .as("round %d", round)
            .containsExactly(expected);
      }
    }
  }

  @Test
  void maskedTruncatedCompletionsGetNoGradientAtAll() {
    try (NDManager m = NDManager.newBaseManager()) {
      double[] grad = evaluate(m, LOGP, GRADIENT_CONFIGS.get(0), true).loss().toDoubleArray();
      int width = LOGP[0].length;
      for (int i = 0; i < TRUNCATED.length; i++) {
        for (int t = 0; t < width; t++) {
          double g = grad[i * width + t];
          if (TRUNCATED[i] == 1 || MASK[i][t] == 0) {
            assertThat(Math.abs(g)).as("row %d token %d", i, t).isZero();
          }
        }
      }
      assertThat(grad[0]).isNotZero();
    }
  }

  @Test
  void microBatchesWithTheGlobalTokenCountAddUpToTheFullBatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      GrpoConfig dapo = GrpoConfig.builder().beta(0.04).maskTruncatedCompletions(true).build();
      GrpoConfig grpo = dapo.toBuilder().lossAggregation(LossAggregation.GRPO).build();
      GrpoConfig drGrpo =
          dapo.toBuilder().lossAggregation(LossAggregation.DR_GRPO).maxCompletionLength(9).build();
      for (GrpoConfig full : List.of(dapo, grpo, drGrpo)) {
        GrpoConfig perHalf = full.toBuilder().gradientAccumulationSteps(2).build();
        double global = GrpoObjective.activeTokens(m.create(MASK), m.create(TRUNCATED), full);
        double whole = lossOfRows(m, 0, 8, full, global);
        double halves = lossOfRows(m, 0, 4, perHalf, global) + lossOfRows(m, 4, 8, perHalf, global);
        assertThat(halves).as(full.lossAggregation().name()).isCloseTo(whole, offset(1e-14));
      }
    }
  }

  private static double lossOfRows(
      NDManager m, int from, int to, GrpoConfig config, double global) {
    NDIndex rows = new NDIndex(from + ":" + to);
    GrpoBatch batch =
        GrpoBatch.of(
                m.create(LOGP).get(rows),
                m.create(OLD).get(rows),
                m.create(REF).get(rows),
                m.create(ADVANTAGES).get(rows),
                m.create(MASK).get(rows),
                m.create(TRUNCATED).get(rows))
            .withGlobalActiveTokens(global);
    return GrpoObjective.compute(batch, config).metrics().loss();
  }

  @Test
  void dapoWithoutAGlobalCountFallsBackToTheLocalTokenMean() {
    try (NDManager m = NDManager.newBaseManager()) {
      GrpoConfig dapo = GrpoConfig.builder().beta(0.04).build();
      GrpoConfig bnpo = dapo.toBuilder().lossAggregation(LossAggregation.BNPO).build();
      GrpoBatch batch =
          GrpoBatch.of(
              m.create(LOGP),
              m.create(OLD),
              m.create(REF),
              m.create(ADVANTAGES),
              m.create(MASK),
              m.create(TRUNCATED));
      assertThat(GrpoObjective.compute(batch, dapo).metrics().loss())
          .isEqualTo(GrpoObjective.compute(batch, bnpo).metrics().loss());
      assertThat(GrpoObjective.compute(batch.withGlobalActiveTokens(76), dapo).metrics().loss())
          .isCloseTo(GrpoObjective.compute(batch, bnpo).metrics().loss() / 2, offset(1e-15));
    }
  }

  @Test
  void acceptsBooleanMasks() {
    GrpoConfig config = GrpoConfig.builder().beta(0.04).maskTruncatedCompletions(true).build();
    try (NDManager m = NDManager.newBaseManager()) {
      GrpoBatch numeric =
          GrpoBatch.of(
              m.create(LOGP),
              m.create(OLD),
              m.create(REF),
              m.create(ADVANTAGES),
              m.create(MASK),
              m.create(TRUNCATED));
      GrpoBatch mixed =
          GrpoBatch.of(
              m.create(LOGP),
              m.create(OLD),
              m.create(REF),
              m.create(ADVANTAGES),
              m.create(MASK).gt(0.5),
              m.create(TRUNCATED).gt(0.5));
      assertThat(GrpoObjective.compute(mixed, config).metrics())
          .isEqualTo(GrpoObjective.compute(numeric, config).metrics());
    }
  }

  @Test
  void activeTokensCountsTheMaskAfterTruncationMasking() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray mask = m.create(MASK);
      NDArray truncated = m.create(TRUNCATED);
      assertThat(GrpoObjective.activeTokens(mask, truncated, GrpoConfig.builder().build()))
          .isEqualTo(38.0);
      assertThat(
              GrpoObjective.activeTokens(
                  mask, truncated, GrpoConfig.builder().maskTruncatedCompletions(true).build()))
          .isEqualTo(26.0);
    }
  }

  @Test
  void rejectsInconsistentInputs() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logp = m.create(LOGP);
      GrpoBatch noRef =
          GrpoBatch.of(logp, null, null, m.create(ADVANTAGES), m.create(MASK), m.create(TRUNCATED));
      assertThatThrownBy(
              () -> GrpoObjective.compute(noRef, GrpoConfig.builder().beta(0.04).build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("reference");
      GrpoBatch badAdvantages =
          GrpoBatch.of(
              logp, null, null, m.create(new double[] {1, 2}), m.create(MASK), m.create(TRUNCATED));
      assertThatThrownBy(() -> GrpoObjective.compute(badAdvantages, GrpoConfig.builder().build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("advantages");
      assertThatThrownBy(() -> GrpoConfig.builder().dualClipC(1.0).build())
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ------------------------------------------------------------------ with a tiny policy model

  /**
   * A linear softmax policy over V tokens: logits[b,t] = x[b,t]·W. Enough to run real updates: logp
   * is a function of trainable weights, as it will be with the transformer.
   */
  private static final class TinyPolicy {
    static final int B = 12;
    static final int T = 5;
    static final int D = 3;
    static final int V = 6;
    final NDArray weights;
    final NDArray features;
    final NDArray chosen;

    TinyPolicy(NDManager m, long seed) {
      Random random = new Random(seed);
      float[][] w = new float[D][V];
      for (float[] row : w) {
        for (int j = 0; j < V; j++) {
          row[j] = (float) random.nextGaussian();
        }
      }
      weights = m.create(w);
      weights.setRequiresGradient(true);
      float[] x = new float[B * T * D];
      float[] oneHot = new float[B * T * V];
      for (int bt = 0; bt < B * T; bt++) {
        for (int d = 0; d < D; d++) {
          x[bt * D + d] = (float) random.nextGaussian();
        }
        oneHot[bt * V + random.nextInt(V)] = 1f;
      }
      features = m.create(x, new Shape(B, T, D));
      chosen = m.create(oneHot, new Shape(B, T, V));
    }

    NDArray logp() {
      return features.matMul(weights).logSoftmax(-1).mul(chosen).sum(new int[] {-1});
    }

    List<NamedParameter> parameters() {
      return List.of(new NamedParameter("w", weights));
    }
  }

  private static GrpoObjective.Result step(
      TinyPolicy policy,
      NDArray old,
      NDArray advantages,
      NDArray mask,
      NDArray truncated,
      GrpoConfig config) {
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      GrpoObjective.Result result =
          GrpoObjective.compute(
              GrpoBatch.of(policy.logp(), old, null, advantages, mask, truncated), config);
      collector.backward(result.loss());
      return result;
    }
  }

  @Test
  void equalRewardsWithBetaZeroOnPolicyGiveExactlyZeroGradientAndNoUpdate() {
    // Groups of 3 of values whose naive mean (v+v+v)/3 != v: a rounding residue would leak in.
    double[] rewards = {0.1, 0.1, 0.1, 0.7, 0.7, 0.7, 0.35, 0.35, 0.35, 0.95, 0.95, 0.95};
    for (LossAggregation aggregation : LossAggregation.values()) {
      for (RewardScaling scaling : RewardScaling.values()) {
        try (NDManager m = NDManager.newBaseManager();
            AdamW optimizer =
                new AdamW(
                    new AdamW.Config(0.1, 0.9, 0.999, 1e-8, 0.0, 1.0),
                    LearningRateSchedule.constant())) {
          TinyPolicy policy = new TinyPolicy(m, 7);
          float[] before = policy.weights.toFloatArray();
          GrpoConfig config =
              GrpoConfig.builder().lossAggregation(aggregation).rewardScaling(scaling).build();
          NDArray advantages =
              m.create(GroupAdvantages.compute(rewards, 3, config)).toType(DataType.FLOAT32, false);
          NDArray mask = m.ones(new Shape(TinyPolicy.B, TinyPolicy.T));
          NDArray truncated = m.zeros(new Shape(TinyPolicy.B));
          step(policy, null, advantages, mask, truncated, config);
          for (float g : policy.weights.getGradient().toFloatArray()) {
            assertThat(Math.abs(g)).as("%s/%s", aggregation, scaling).isZero();
          }
          AdamW.StepReport report = optimizer.step(policy.parameters());
          assertThat(report.gradNorm()).isZero();
          assertThat(policy.weights.toFloatArray()).containsExactly(before);
        }
      }
    }
  }

  @Test
  void secondUpdateOnTheSameRolloutUsesStoredOldLogProbs() {
    double[] rewards = {1, 0, 0, 1, 0.2, 0.9, 0.4, 0.1, 0.5, 0.5, 0.0, 1.0};
    GrpoConfig config = GrpoConfig.builder().epsilonHigh(0.28).build();
    try (NDManager m = NDManager.newBaseManager();
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(0.3, 0.9, 0.999, 1e-8, 0.0, 0), LearningRateSchedule.constant())) {
      TinyPolicy policy = new TinyPolicy(m, 11);
      NDArray advantages =
          m.create(GroupAdvantages.compute(rewards, 4, config)).toType(DataType.FLOAT32, false);
      NDArray mask = m.ones(new Shape(TinyPolicy.B, TinyPolicy.T));
      NDArray truncated = m.zeros(new Shape(TinyPolicy.B));
      // Rollout time: the behaviour policy's log-probs are stored once, without gradient.
      NDArray stored = policy.logp().stopGradient();

      // μ iteration 1: stored == current, so ρ = 1 and the result equals the on-policy shortcut.
      GrpoObjective.Result onPolicy = step(policy, null, advantages, mask, truncated, config);
      float[] onPolicyGrad = policy.weights.getGradient().toFloatArray();
      AdamW.zeroGradients(policy.parameters());
      GrpoObjective.Result first = step(policy, stored, advantages, mask, truncated, config);
      assertThat(first.metrics().loss()).isEqualTo(onPolicy.metrics().loss());
      assertThat(policy.weights.getGradient().toFloatArray()).containsExactly(onPolicyGrad);
      assertThat(first.metrics().clipRatioRegion()).isZero();
      AdamW.StepReport report = optimizer.step(policy.parameters());
      assertThat(report.gradNorm()).isPositive();
      assertThat(first.metrics().withGradNorm(report.gradNorm()).gradNorm())
          .isEqualTo(report.gradNorm());
      AdamW.zeroGradients(policy.parameters());

      // μ iteration 2: the policy moved, ρ ≠ 1 against the stored log-probs and clipping kicks in.
      GrpoObjective.Result second = step(policy, stored, advantages, mask, truncated, config);
      NDArray ratio = policy.logp().stopGradient().sub(stored).exp();
      assertThat(ratio.sub(1f).abs().max().getFloat()).isGreaterThan(0.2f);
      assertThat(second.metrics().clipRatioRegion()).isGreaterThan(0.0);
      assertThat(second.metrics().loss()).isNotEqualTo(first.metrics().loss());
    }
  }

  private static double[][] copy(double[][] source) {
    double[][] out = new double[source.length][];
    for (int i = 0; i < source.length; i++) {
      out[i] = source[i].clone();
    }
    return out;
  }
}
