package dev.grpo.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * The rollout correction against the independent numpy reference (rollout_correction_reference.py):
 * 972 cases = 3 inputs (mild, wide and extreme mismatch: ratios e^12, e^-15, whole sequences at e^3
 * and e^-1, an exact match) × 9 objectives (clip and CISPO under the 4 aggregations, GSPO) × 9
 * corrections (none; truncated IS with caps 2 and 1.05; token and sequence masks with a wide band,
 * a narrow band and a band plus a cap) × on/off-policy × (β 0, β 0.04 with truncation masking).
 * Loss, gradient and the mismatch metrics in float64 within 1e-9 relative to max(1, |expected|);
 * every tenth case also checks the autograd gradient against central finite differences of the Java
 * loss (except GSPO with unequal token weights, where the loss value's derivative is not the sg
 * gradient; the reference checks those in GSPO's per-token form).
 */
class RolloutCorrectionReferenceTest {

  private static final JsonNode FIXTURE =
      ReferenceFixture.load("/grpo/rollout_correction_cases.json");
  private static final Map<String, Double> MAX_DEVIATION = new ConcurrentHashMap<>();

  @AfterAll
  static void reportDeviation() {
    System.out.println(
        "rollout correction max deviation (relative to max(1,|expected|)): "
            + new java.util.TreeMap<>(MAX_DEVIATION));
  }

  @TestFactory
  Stream<DynamicTest> correctionsMatchTheReference() {
    List<DynamicTest> tests = new ArrayList<>();
    JsonNode cases = FIXTURE.get("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      boolean finiteDifferences = i % 10 == 0;
      tests.add(
          DynamicTest.dynamicTest(c.get("name").asString(), () -> check(c, finiteDifferences)));
    }
    assertThat(tests).hasSize(972);
    return tests.stream();
  }

  static RolloutCorrection correction(JsonNode c) {
    double cap = c.has("cap") ? c.get("cap").asDouble() : Double.NaN;
    return switch (c.get("mode").asString()) {
      case "none" -> RolloutCorrection.NONE;
      case "truncated_is" -> RolloutCorrection.truncated(cap);
      case "mask_token" ->
          RolloutCorrection.maskTokens(c.get("lower").asDouble(), c.get("upper").asDouble(), cap);
      case "mask_sequence" ->
          RolloutCorrection.maskSequences(
              c.get("lower").asDouble(), c.get("upper").asDouble(), cap);
      default -> throw new IllegalArgumentException(c.toString());
    };
  }

  private static GrpoConfig toConfig(JsonNode cfg) {
    return GrpoConfig.builder()
        .policyLoss(PolicyLoss.valueOf(cfg.get("objective").asString().toUpperCase()))
        .lossAggregation(LossAggregation.valueOf(cfg.get("agg").asString().toUpperCase()))
        .epsilonLow(cfg.get("eps_low").asDouble())
        .epsilonHigh(cfg.get("eps_high").asDouble())
        .beta(cfg.get("beta").asDouble())
        .maskTruncatedCompletions(cfg.get("mask_truncated").asBoolean())
        .maxCompletionLength(cfg.get("max_completion_length").asInt())
        .rolloutCorrection(correction(cfg.get("correction")))
        .build();
  }

  private static void check(JsonNode c, boolean finiteDifferences) {
    JsonNode cfg = c.get("config");
    JsonNode inputs = FIXTURE.get("inputs").get(c.get("input").asString());
    JsonNode expected = c.get("expected");
    GrpoConfig config = toConfig(cfg);
    boolean onPolicy = cfg.get("on_policy").asBoolean();
    double[] advantages = ReferenceFixture.vector(expected.get("advantages"));
    double[][] logp = ReferenceFixture.matrix(inputs.get("logp"));
    double[][] old = ReferenceFixture.matrix(inputs.get("old"));
    double[][] rollout = ReferenceFixture.matrix(inputs.get("rollout"));

    Evaluation result = evaluate(c, config, logp, onPolicy ? null : old, rollout, advantages);
    String what = cfg.get("objective").asString() + " " + cfg.get("correction").get("mode");
    compare(
        "loss " + what,
        new double[] {result.metrics.loss()},
        new double[] {expected.get("loss").asDouble()});
    compare("grad " + what, result.grad, flatten(ReferenceFixture.matrix(expected.get("grad"))));
    JsonNode m = expected.get("metrics");
    assertThat(result.metrics.clipRatioLow())
        .isCloseTo(m.get("clip_ratio_low").asDouble(), Offset.offset(1e-12));
    assertThat(result.metrics.clipRatioHigh())
        .isCloseTo(m.get("clip_ratio_high").asDouble(), Offset.offset(1e-12));
    assertThat(result.metrics.clipRatioRegion())
        .isCloseTo(m.get("clip_ratio_region").asDouble(), Offset.offset(1e-12));
    RolloutMismatch mismatch = result.metrics.mismatch();
    double[] measured = {
      mismatch.klK1(),
      mismatch.klK3(),
      mismatch.isWeightMean(),
      mismatch.isWeightMax(),
      mismatch.maskedFraction()
    };
    String[] names = {"kl_k1", "kl_k3", "is_weight_mean", "is_weight_max", "masked_fraction"};
    for (int k = 0; k < names.length; k++) {
      compare(
          "mismatch " + names[k],
          new double[] {measured[k]},
          new double[] {m.get(names[k]).asDouble()});
    }

    RolloutCorrection rc = config.rolloutCorrection();
    boolean unequalGspoWeights = config.policyLoss() == PolicyLoss.GSPO && rc.weights();
    if (finiteDifferences && !unequalGspoWeights) {
      checkFiniteDifferences(
          c, config, logp, onPolicy ? logp : old, rollout, advantages, result.grad);
    }
  }

  /**
   * Central differences of the Java loss. π_old (frozen at the unperturbed log π when on-policy)
   * and π_rollout stay put, so the correction's weights and mask do; for CISPO both move with log
   * π, which holds CISPO's own clipped weight and the correction's ratio still.
   */
  private static void checkFiniteDifferences(
      JsonNode c,
      GrpoConfig config,
      double[][] logp,
      double[][] old,
      double[][] rollout,
      double[] advantages,
      double[] grad) {
    double h = 1e-6;
    boolean cispo = config.policyLoss() == PolicyLoss.CISPO;
    double worst = 0;
    int columns = logp[0].length;
    for (int i = 0; i < logp.length; i++) {
      for (int t = 0; t < columns; t++) {
        double[] losses = new double[2];
        for (int side = 0; side < 2; side++) {
          double step = side == 0 ? h : -h;
          double[][] l = deepCopy(logp);
          double[][] o = deepCopy(old);
          double[][] r = deepCopy(rollout);
          l[i][t] += step;
          if (cispo) {
            o[i][t] += step;
            r[i][t] += step;
          }
          losses[side] = evaluate(c, config, l, o, r, advantages).metrics.loss();
        }
        double fd = (losses[0] - losses[1]) / (2 * h);
        double g = grad[i * columns + t];
        double deviation = Math.abs(fd - g) / Math.max(1.0, Math.abs(g));
        assertThat(deviation)
            .as("d loss / d logp[%d][%d]: autograd %s, finite difference %s", i, t, g, fd)
            .isLessThanOrEqualTo(1e-6);
        worst = Math.max(worst, deviation);
      }
    }
    MAX_DEVIATION.merge(
        "finite differences " + config.policyLoss().name().toLowerCase(), worst, Math::max);
  }

  private record Evaluation(GrpoMetrics metrics, double[] grad) {}

  private static Evaluation evaluate(
      JsonNode c,
      GrpoConfig config,
      double[][] logpValues,
      double[][] oldValues,
      double[][] rolloutValues,
      double[] advantages) {
    JsonNode inputs = FIXTURE.get("inputs").get(c.get("input").asString());
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray logp = GrpoReferenceTest.array(manager, logpValues, DataType.FLOAT64);
      logp.setRequiresGradient(true);
      NDArray old =
          oldValues == null ? null : GrpoReferenceTest.array(manager, oldValues, DataType.FLOAT64);
      NDArray ref =
          config.beta() == 0
              ? null
              : GrpoReferenceTest.array(
                  manager, ReferenceFixture.matrix(inputs.get("ref")), DataType.FLOAT64);
      NDArray mask =
          GrpoReferenceTest.array(
              manager, ReferenceFixture.matrix(inputs.get("mask")), DataType.FLOAT64);
      NDArray truncated = manager.create(ReferenceFixture.vector(inputs.get("truncated")));
      NDArray rollout = GrpoReferenceTest.array(manager, rolloutValues, DataType.FLOAT64);
      GrpoBatch batch =
          GrpoBatch.of(logp, old, ref, manager.create(advantages), mask, truncated)
              .withRolloutLogp(rollout);
      GrpoObjective.Result result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        result = GrpoObjective.compute(batch, config);
        collector.backward(result.loss());
      }
      return new Evaluation(
          result.metrics(), logp.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
    }
  }

  private static double[][] deepCopy(double[][] m) {
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }

  private static double[] flatten(double[][] m) {
    return java.util.Arrays.stream(m).flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  private static void compare(String what, double[] actual, double[] expected) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      double deviation = Math.abs(actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
      assertThat(deviation)
          .as("%s[%d]: actual %s expected %s", what, i, actual[i], expected[i])
          .isLessThanOrEqualTo(1e-9);
      worst = Math.max(worst, deviation);
    }
    MAX_DEVIATION.merge(what, worst, Math::max);
  }
}
