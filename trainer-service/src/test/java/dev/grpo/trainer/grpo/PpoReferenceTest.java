package dev.grpo.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.grpo.trainer.ppo.Gae;
import dev.grpo.trainer.ppo.ValueLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * PPO's numerics against the independent numpy reference (ppo_reference.py): 128 random cases, γ ∈
 * {1, 0.99, 0.9, 0} × λ ∈ {1, 0.95, 0.5, 0} × ε_v ∈ {0.2, 0.5, 1e-3, 10} × whitening on/off,
 * batches of 1–6 completions of 1–8 tokens with ragged masks (empty rows, interior holes), NaN
 * rewards (the row leaves the mask), equal-reward batches and ratios up to e^±12. Checked: token
 * rewards, GAE advantages and returns, whitening, explained variance, the clipped value loss, its
 * clip fraction and gradient w.r.t. V, and the clipped policy loss with per-token advantages and
 * its gradient. Float64, tolerance 1e-9 relative to max(1, |expected|); every fourth case also
 * checks the value loss's autograd gradient against central finite differences of the Java loss.
 */
class PpoReferenceTest {

  private static final JsonNode FIXTURE = ReferenceFixture.load("/grpo/ppo_cases.json");
  private static final Map<String, Double> MAX_DEVIATION = new ConcurrentHashMap<>();

  @AfterAll
  static void reportDeviation() {
    System.out.println(
        "ppo max deviation (relative to max(1,|expected|)): " + new TreeMap<>(MAX_DEVIATION));
  }

  @TestFactory
  Stream<DynamicTest> ppoMatchesTheReference() {
    List<DynamicTest> tests = new ArrayList<>();
    JsonNode cases = FIXTURE.get("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      boolean finiteDifferences = i % 4 == 0;
      tests.add(
          DynamicTest.dynamicTest(c.get("name").asString(), () -> check(c, finiteDifferences)));
    }
    assertThat(tests).hasSize(128);
    return tests.stream();
  }

  private static void check(JsonNode c, boolean finiteDifferences) {
    JsonNode expected = c.get("expected");
    double[][] mask = ReferenceFixture.matrix(c.get("mask"));
    double[] rewards = ReferenceFixture.vector(c.get("rewards"));
    double[][] effective = new double[mask.length][];
    for (int i = 0; i < mask.length; i++) {
      effective[i] = new double[mask[i].length];
      for (int t = 0; t < mask[i].length; t++) {
        effective[i][t] = Double.isNaN(rewards[i]) ? 0 : mask[i][t];
      }
    }
    compare("effective mask", effective, ReferenceFixture.matrix(expected.get("effective_mask")));
    double[][] oldValues = ReferenceFixture.matrix(c.get("old_values"));
    for (int i = 0; i < oldValues.length; i++) {
      for (int t = 0; t < oldValues[i].length; t++) {
        oldValues[i][t] *= effective[i][t];
      }
    }
    double[][] tokenRewards = Gae.tokenRewards(rewards, effective);
    compare("token rewards", tokenRewards, ReferenceFixture.matrix(expected.get("token_rewards")));
    Gae.Result gae =
        Gae.compute(
            tokenRewards, oldValues, effective, c.get("gamma").asDouble(), c.get("lam").asDouble());
    compare(
        "gae advantages", gae.advantages(), ReferenceFixture.matrix(expected.get("advantages")));
    compare("gae returns", gae.returns(), ReferenceFixture.matrix(expected.get("returns")));
    double[][] whitened = Gae.whiten(gae.advantages(), effective);
    compare("whitened advantages", whitened, ReferenceFixture.matrix(expected.get("whitened")));
    double explained = Gae.explainedVariance(gae.returns(), oldValues, effective);
    double expectedExplained = ReferenceFixture.number(expected.get("explained_variance"));
    if (Double.isNaN(expectedExplained)) {
      assertThat(explained).isNaN();
    } else {
      compare(
          "explained variance", new double[][] {{explained}}, new double[][] {{expectedExplained}});
    }

    double clip = c.get("value_clip").asDouble();
    double[][] values = ReferenceFixture.matrix(c.get("values"));
    ValueEvaluation value = valueLoss(values, oldValues, gae.returns(), effective, clip);
    compare(
        "value loss",
        new double[][] {{value.loss}},
        new double[][] {{expected.get("value_loss").asDouble()}});
    assertThat(value.clipFraction)
        .as("value clip fraction")
        .isCloseTo(expected.get("value_clip_fraction").asDouble(), Offset.offset(1e-12));
    compare("value loss gradient", value.grad, ReferenceFixture.matrix(expected.get("value_grad")));
    if (finiteDifferences) {
      checkFiniteDifferences(values, oldValues, gae.returns(), effective, clip, value.grad);
    }

    double[][] advantages = c.get("whiten").asBoolean() ? whitened : gae.advantages();
    PolicyEvaluation policy = policyLoss(c, mask, advantages);
    compare(
        "policy loss (per-token advantages)",
        new double[][] {{policy.loss}},
        new double[][] {{expected.get("policy_loss").asDouble()}});
    compare(
        "policy loss gradient (per-token advantages)",
        policy.grad,
        ReferenceFixture.matrix(expected.get("policy_grad")));
  }

  private record ValueEvaluation(double loss, double clipFraction, double[][] grad) {}

  private static ValueEvaluation valueLoss(
      double[][] values, double[][] oldValues, double[][] returns, double[][] mask, double clip) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray v = GrpoReferenceTest.array(manager, values, DataType.FLOAT64);
      v.setRequiresGradient(true);
      ValueLoss.Result result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        result =
            ValueLoss.compute(
                v,
                GrpoReferenceTest.array(manager, oldValues, DataType.FLOAT64),
                GrpoReferenceTest.array(manager, returns, DataType.FLOAT64),
                GrpoReferenceTest.array(manager, mask, DataType.FLOAT64),
                clip);
        collector.backward(result.loss());
      }
      double loss = result.loss().toType(DataType.FLOAT64, false).getDouble();
      double[] flat = v.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
      return new ValueEvaluation(loss, result.clipFraction(), rows(flat, values));
    }
  }

  /** Central differences of the Java value loss w.r.t. each V; the kinks sit off the grid. */
  private static void checkFiniteDifferences(
      double[][] values,
      double[][] oldValues,
      double[][] returns,
      double[][] mask,
      double clip,
      double[][] grad) {
    double h = 1e-6;
    double worst = 0;
    for (int i = 0; i < values.length; i++) {
      for (int t = 0; t < values[i].length; t++) {
        double[][] up = deepCopy(values);
        double[][] down = deepCopy(values);
        up[i][t] += h;
        down[i][t] -= h;
        double fd =
            (valueLoss(up, oldValues, returns, mask, clip).loss
                    - valueLoss(down, oldValues, returns, mask, clip).loss)
                / (2 * h);
        double deviation = Math.abs(fd - grad[i][t]) / Math.max(1.0, Math.abs(grad[i][t]));
        assertThat(deviation)
            .as("d value loss / dV[%d][%d]: autograd %s, fd %s", i, t, grad[i][t], fd)
            .isLessThanOrEqualTo(1e-6);
        worst = Math.max(worst, deviation);
      }
    }
    MAX_DEVIATION.merge("finite differences value loss", worst, Math::max);
  }

  private record PolicyEvaluation(double loss, double[][] grad) {}

  private static PolicyEvaluation policyLoss(JsonNode c, double[][] mask, double[][] advantages) {
    double[][] logpValues = ReferenceFixture.matrix(c.get("logp"));
    GrpoConfig config =
        GrpoConfig.builder()
            .epsilonLow(0.2)
            .epsilonHigh(0.28)
            .lossAggregation(LossAggregation.valueOf(c.get("aggregation").asString().toUpperCase()))
            .build();
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray logp = GrpoReferenceTest.array(manager, logpValues, DataType.FLOAT64);
      logp.setRequiresGradient(true);
      NDArray old =
          GrpoReferenceTest.array(
              manager, ReferenceFixture.matrix(c.get("old_logp")), DataType.FLOAT64);
      NDArray m = GrpoReferenceTest.array(manager, mask, DataType.FLOAT64);
      NDArray a = GrpoReferenceTest.array(manager, advantages, DataType.FLOAT64);
      GrpoBatch batch =
          GrpoBatch.of(
              logp, old, null, a, m, manager.zeros(new ai.djl.ndarray.types.Shape(mask.length)));
      GrpoObjective.Result result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        result = GrpoObjective.compute(batch, config);
        collector.backward(result.loss());
      }
      double[] flat = logp.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
      return new PolicyEvaluation(result.metrics().loss(), rows(flat, logpValues));
    }
  }

  private static double[][] rows(double[] flat, double[][] like) {
    double[][] out = new double[like.length][];
    int k = 0;
    for (int i = 0; i < like.length; i++) {
      out[i] = Arrays.copyOfRange(flat, k, k + like[i].length);
      k += like[i].length;
    }
    return out;
  }

  private static double[][] deepCopy(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }

  private static void compare(String what, double[][] actual, double[][] expected) {
    assertThat(actual).as(what).hasDimensions(expected.length, expected[0].length);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      for (int t = 0; t < actual[i].length; t++) {
        double deviation =
            Math.abs(actual[i][t] - expected[i][t]) / Math.max(1.0, Math.abs(expected[i][t]));
        assertThat(deviation)
            .as("%s[%d][%d]: actual %s expected %s", what, i, t, actual[i][t], expected[i][t])
            .isLessThanOrEqualTo(1e-9);
        worst = Math.max(worst, deviation);
      }
    }
    MAX_DEVIATION.merge(what, worst, Math::max);
  }
}
