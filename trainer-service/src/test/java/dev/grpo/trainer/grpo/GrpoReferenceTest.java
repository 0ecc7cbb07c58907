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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * Every objective variant against the independent PyTorch reference (grpo_reference.py): 4
 * aggregations × 3 reward scalings × k1/k2/k3 × clip-higher × dual clip × truncation masking, plus
 * the KL clamps, δ, log-ratio clamp, entropy bonus, on-policy ratio, accumulation and multi-process
 * normalisers. Each case runs in float64 (tolerance 1e-9 relative) and float32 (1e-5 relative).
 */
class GrpoReferenceTest {

  private static final JsonNode FIXTURE = ReferenceFixture.load("/grpo/objective_cases.json");
  private static final Map<String, Double> MAX_DEVIATION = new ConcurrentHashMap<>();

  @AfterAll
  static void reportDeviation() {
    System.out.println(
        "GRPO reference max deviation (relative to max(1,|expected|)): " + MAX_DEVIATION);
  }

  @TestFactory
  Stream<DynamicTest> matchesPythonReference() {
    List<DynamicTest> tests = new ArrayList<>();
    JsonNode cases = FIXTURE.get("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      String name = c.get("name").asString();
      tests.add(DynamicTest.dynamicTest(name + " float64", () -> check(c, DataType.FLOAT64, 1e-9)));
      tests.add(DynamicTest.dynamicTest(name + " float32", () -> check(c, DataType.FLOAT32, 1e-5)));
    }
    if (Boolean.getBoolean("grpo.stress")) {
      for (int r = 0; r < 6; r++) {
        for (int i = 0; i < cases.size(); i++) {
          JsonNode c = cases.get(i);
          String name = c.get("name").asString();
          int round = r;
          tests.add(
              DynamicTest.dynamicTest(
                  name + " stress" + r,
                  () -> {
                    if (round % 2 == 0) System.gc();
                    check(c, DataType.FLOAT64, 1e-9);
                  }));
        }
      }
      return tests.stream();
    }
    assertThat(tests).hasSize(2 * 308);
    return tests.stream();
  }

  private static void check(JsonNode c, DataType dtype, double tolerance) {
    JsonNode cfg = c.get("config");
    JsonNode inputs = FIXTURE.get("inputs").get(c.get("input").asString());
    JsonNode expected = c.get("expected");
    int groupSize = FIXTURE.get("group_size").asInt();
    GrpoConfig config = toConfig(cfg);

    double[] advantages =
        GroupAdvantages.compute(ReferenceFixture.vector(inputs.get("rewards")), groupSize, config);
    compare(
        dtype,
        "advantages",
        advantages,
        ReferenceFixture.vector(expected.get("advantages")),
        tolerance);

    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray logp = array(manager, ReferenceFixture.matrix(inputs.get("logp")), dtype);
      logp.setRequiresGradient(true);
      boolean onPolicy = cfg.get("on_policy").asBoolean();
      NDArray old =
          onPolicy ? null : array(manager, ReferenceFixture.matrix(inputs.get("old")), dtype);
      // TRL loads no reference model when beta = 0, so pass none and expect no KL metric.
      NDArray ref =
          config.beta() == 0
              ? null
              : array(manager, ReferenceFixture.matrix(inputs.get("ref")), dtype);
      NDArray mask = array(manager, ReferenceFixture.matrix(inputs.get("mask")), dtype);
      NDArray truncated =
          manager.create(ReferenceFixture.vector(inputs.get("truncated"))).toType(dtype, false);
      NDArray entropy = array(manager, ReferenceFixture.matrix(inputs.get("entropy")), dtype);
      NDArray adv = manager.create(advantages).toType(dtype, false);

      GrpoBatch batch =
          GrpoBatch.of(logp, old, ref, adv, mask, truncated)
              .withEntropy(entropy)
              .withGlobalActiveTokens(cfg.get("global_tokens").asDouble());
      GrpoObjective.Result result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        result = GrpoObjective.compute(batch, config);
        collector.backward(result.loss());
      }
      compare(
          dtype,
          "loss",
          new double[] {result.metrics().loss()},
          new double[] {expected.get("loss").asDouble()},
          tolerance);
      double[] grad = logp.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
      compare(
          dtype, "grad", grad, flatten(ReferenceFixture.matrix(expected.get("grad"))), tolerance);

      checkMetrics(expected.get("metrics"), result.metrics(), config, dtype, tolerance);
    }
  }

  private static void checkMetrics(
      JsonNode m, GrpoMetrics got, GrpoConfig config, DataType dtype, double tolerance) {
    // Ratios are counts over the mask: they must be equal up to the last bit of a division.
    assertThat(got.clipRatioLow())
        .isCloseTo(m.get("clip_ratio_low").asDouble(), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(got.clipRatioHigh())
        .isCloseTo(m.get("clip_ratio_high").asDouble(), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(got.clipRatioRegion())
        .isCloseTo(
            m.get("clip_ratio_region").asDouble(), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(got.dualClipRatio())
        .isCloseTo(m.get("dual_clip_ratio").asDouble(), org.assertj.core.data.Offset.offset(1e-12));
    if (config.beta() == 0) {
      assertThat(got.klMean()).isNaN();
    } else {
      compare(
          dtype,
          "kl_mean",
          new double[] {got.klMean()},
          new double[] {m.get("kl_mean").asDouble()},
          tolerance);
    }
    compare(
        dtype,
        "entropy_mean",
        new double[] {got.entropyMean()},
        new double[] {m.get("entropy_mean").asDouble()},
        tolerance);
    assertThat(got.gradNorm()).isNaN();
  }

  private static GrpoConfig toConfig(JsonNode cfg) {
    return GrpoConfig.builder()
        .lossAggregation(LossAggregation.valueOf(cfg.get("agg").asString().toUpperCase()))
        .rewardScaling(RewardScaling.valueOf(cfg.get("scale").asString().toUpperCase()))
        .advantageEpsilon(cfg.get("adv_eps").asDouble())
        .klEstimator(KlEstimator.valueOf(cfg.get("kl").asString().toUpperCase()))
        .klClamp(KlClamp.valueOf(cfg.get("kl_clamp").asString().toUpperCase()))
        .beta(cfg.get("beta").asDouble())
        .epsilonLow(cfg.get("eps_low").asDouble())
        .epsilonHigh(cfg.get("eps_high").asDouble())
        .dualClipC(orZero(cfg.get("dual_clip")))
        .delta(orZero(cfg.get("delta")))
        .logRatioClamp(orZero(cfg.get("log_ratio_clamp")))
        .maskTruncatedCompletions(cfg.get("mask_truncated").asBoolean())
        .entropyCoef(cfg.get("entropy_coef").asDouble())
        .gradientAccumulationSteps(cfg.get("grad_accum").asInt())
        .numProcesses(cfg.get("num_processes").asInt())
        .maxCompletionLength(cfg.get("max_completion_length").asInt())
        .build();
  }

  private static double orZero(JsonNode node) {
    return node == null || node.isNull() ? 0 : node.asDouble();
  }

  static NDArray array(NDManager manager, double[][] values, DataType dtype) {
    return manager.create(values).toType(dtype, false);
  }

  private static double[] flatten(double[][] m) {
    return java.util.Arrays.stream(m).flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  private static void compare(
      DataType dtype, String what, double[] actual, double[] expected, double tolerance) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      double deviation = Math.abs(actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
      assertThat(deviation)
          .as("%s[%d]: actual %s expected %s", what, i, actual[i], expected[i])
          .isLessThanOrEqualTo(tolerance);
      worst = Math.max(worst, deviation);
    }
    MAX_DEVIATION.merge(dtype + " " + what, worst, Math::max);
  }
}
