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
 * GSPO, CISPO, RLOO and REINFORCE++-baseline against the independent numpy reference
 * (policy_variants_reference.py): 660 objective cases (GSPO: 4 inputs × 4 estimators × β ×
 * truncation masking × two ε pairs; CISPO: the same × 4 aggregations; on-policy, accumulation and
 * multi-process normalisers) and 240 random reward batches for the estimators alone, with NaN
 * rewards, equal-reward groups, lone scorable rewards and extreme ratios. Float64, tolerance 1e-9
 * relative to max(1, |expected|). Every tenth objective case also checks the autograd gradient
 * against central finite differences of the Java loss itself.
 */
class PolicyVariantReferenceTest {

  private static final JsonNode FIXTURE = ReferenceFixture.load("/grpo/policy_variant_cases.json");
  private static final int GROUP = FIXTURE.get("group_size").asInt();
  private static final Map<String, Double> MAX_DEVIATION = new ConcurrentHashMap<>();

  @AfterAll
  static void reportDeviation() {
    System.out.println(
        "policy variants max deviation (relative to max(1,|expected|)): "
            + new java.util.TreeMap<>(MAX_DEVIATION));
  }

  @TestFactory
  Stream<DynamicTest> objectivesMatchTheReference() {
    List<DynamicTest> tests = new ArrayList<>();
    JsonNode cases = FIXTURE.get("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      boolean finiteDifferences = i % 10 == 0;
      tests.add(
          DynamicTest.dynamicTest(c.get("name").asString(), () -> check(c, finiteDifferences)));
    }
    assertThat(tests).hasSize(660);
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> estimatorsMatchTheReference() {
    List<DynamicTest> tests = new ArrayList<>();
    JsonNode cases = FIXTURE.get("estimator_cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      tests.add(DynamicTest.dynamicTest("rewards #" + i, () -> checkEstimators(c)));
    }
    assertThat(tests).hasSize(240);
    return tests.stream();
  }

  private static void checkEstimators(JsonNode c) {
    double[] rewards = ReferenceFixture.vector(c.get("rewards"));
    double[] tokens = ReferenceFixture.vector(c.get("tokens"));
    JsonNode expected = c.get("expected");
    for (String name : List.of("grpo", "dr_grpo", "rloo", "reinforce_plus_plus_baseline")) {
      double[] got = GroupAdvantages.compute(rewards, GROUP, estimatorConfig(name), tokens);
      compare("advantages " + name, got, ReferenceFixture.vector(expected.get(name)));
    }
    double[] batch = GroupAdvantages.compute(rewards, GROUP, RewardScaling.BATCH, 1e-4);
    compare("advantages grpo_batch", batch, ReferenceFixture.vector(expected.get("grpo_batch")));
  }

  private static GrpoConfig estimatorConfig(String name) {
    GrpoConfig.Builder b = GrpoConfig.builder();
    return switch (name) {
      case "grpo" -> b.build();
      case "dr_grpo" -> b.rewardScaling(RewardScaling.NONE).build();
      case "rloo" -> b.advantageEstimator(AdvantageEstimator.RLOO).build();
      case "reinforce_plus_plus_baseline" ->
          b.advantageEstimator(AdvantageEstimator.REINFORCE_PLUS_PLUS_BASELINE).build();
      default -> throw new IllegalArgumentException(name);
    };
  }

  private static GrpoConfig toConfig(JsonNode cfg) {
    GrpoConfig estimator = estimatorConfig(cfg.get("estimator").asString());
    return estimator.toBuilder()
        .policyLoss(PolicyLoss.valueOf(cfg.get("objective").asString().toUpperCase()))
        .lossAggregation(LossAggregation.valueOf(cfg.get("agg").asString().toUpperCase()))
        .epsilonLow(cfg.get("eps_low").asDouble())
        .epsilonHigh(cfg.get("eps_high").asDouble())
        .beta(cfg.get("beta").asDouble())
        .maskTruncatedCompletions(cfg.get("mask_truncated").asBoolean())
        .gradientAccumulationSteps(cfg.get("grad_accum").asInt())
        .numProcesses(cfg.get("num_processes").asInt())
        .maxCompletionLength(cfg.get("max_completion_length").asInt())
        .build();
  }

  private static void check(JsonNode c, boolean finiteDifferences) {
    JsonNode cfg = c.get("config");
    JsonNode inputs = FIXTURE.get("inputs").get(c.get("input").asString());
    JsonNode expected = c.get("expected");
    GrpoConfig config = toConfig(cfg);
    boolean onPolicy = cfg.get("on_policy").asBoolean();
    double globalTokens = cfg.get("global_tokens").asDouble();

    double[][] logpValues = ReferenceFixture.matrix(inputs.get("logp"));
    double[][] oldValues = ReferenceFixture.matrix(inputs.get("old"));
    double[][] maskValues = ReferenceFixture.matrix(inputs.get("mask"));
    double[] truncated = ReferenceFixture.vector(inputs.get("truncated"));
    double[] advantages =
        GroupAdvantages.compute(
            ReferenceFixture.vector(inputs.get("rewards")),
            GROUP,
            config,
            activeTokens(maskValues, truncated, config));
    compare(
        "advantages " + cfg.get("estimator").asString(),
        advantages,
        ReferenceFixture.vector(expected.get("advantages")));

    Evaluation result =
        evaluate(c, config, logpValues, onPolicy ? null : oldValues, advantages, globalTokens);
    compare(
        "loss " + cfg.get("objective").asString(),
        new double[] {result.metrics.loss()},
        new double[] {expected.get("loss").asDouble()});
    compare(
        "grad " + cfg.get("objective").asString(),
        result.grad,
        flatten(ReferenceFixture.matrix(expected.get("grad"))));
    JsonNode m = expected.get("metrics");
    assertThat(result.metrics.clipRatioLow())
        .isCloseTo(m.get("clip_ratio_low").asDouble(), Offset.offset(1e-12));
    assertThat(result.metrics.clipRatioHigh())
        .isCloseTo(m.get("clip_ratio_high").asDouble(), Offset.offset(1e-12));
    assertThat(result.metrics.clipRatioRegion())
        .isCloseTo(m.get("clip_ratio_region").asDouble(), Offset.offset(1e-12));
    assertThat(result.metrics.dualClipRatio()).isZero();

    if (finiteDifferences) {
      checkFiniteDifferences(c, config, logpValues, oldValues, onPolicy, advantages, result.grad);
    }
  }

  /**
   * Central differences of the Java loss. CISPO's weight is sg(clip(ρ)), which a difference of the
   * loss value would differentiate, so log π_old moves with log π there and holds ρ still; GSPO's
   * sg gradient equals the derivative of its value under the sequence-mean-token-mean aggregation,
   * so only log π moves (on-policy, log π_old is frozen at the unperturbed log π).
   */
  private static void checkFiniteDifferences(
      JsonNode c,
      GrpoConfig config,
      double[][] logp,
      double[][] old,
      boolean onPolicy,
      double[] advantages,
      double[] grad) {
    double h = 1e-6;
    boolean cispo = config.policyLoss() == PolicyLoss.CISPO;
    double[][] base = onPolicy ? deepCopy(logp) : old;
    double globalTokens = c.get("config").get("global_tokens").asDouble();
    double worst = 0;
    int columns = logp[0].length;
    for (int i = 0; i < logp.length; i++) {
      for (int t = 0; t < columns; t++) {
        double[][] up = deepCopy(logp);
        double[][] down = deepCopy(logp);
        double[][] oldUp = deepCopy(base);
        double[][] oldDown = deepCopy(base);
        up[i][t] += h;
        down[i][t] -= h;
        if (cispo) {
          oldUp[i][t] += h;
          oldDown[i][t] -= h;
        }
        double lossUp = evaluate(c, config, up, oldUp, advantages, globalTokens).metrics.loss();
        double lossDown =
            evaluate(c, config, down, oldDown, advantages, globalTokens).metrics.loss();
        double fd = (lossUp - lossDown) / (2 * h);
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
      double[] advantages,
      double globalTokens) {
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
      GrpoBatch batch =
          GrpoBatch.of(logp, old, ref, manager.create(advantages), mask, truncated)
              .withGlobalActiveTokens(globalTokens);
      GrpoObjective.Result result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        result = GrpoObjective.compute(batch, config);
        collector.backward(result.loss());
      }
      return new Evaluation(
          result.metrics(), logp.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
    }
  }

  /** Per completion, the tokens of its effective mask (REINFORCE++-baseline's weights). */
  static double[] activeTokens(double[][] mask, double[] truncated, GrpoConfig config) {
    double[] tokens = new double[mask.length];
    for (int i = 0; i < mask.length; i++) {
      if (config.maskTruncatedCompletions() && truncated[i] != 0) {
        continue;
      }
      for (double m : mask[i]) {
        tokens[i] += m;
      }
    }
    return tokens;
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
