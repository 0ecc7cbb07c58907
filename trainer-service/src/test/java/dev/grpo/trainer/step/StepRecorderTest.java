package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.grpo.GrpoMetrics;
import dev.grpo.trainer.grpo.RolloutMismatch;
import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.step.StepAssembly.StepBatch;
import dev.grpo.trainer.step.StepRewards.RuleTally;
import dev.grpo.trainer.train.StepMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class StepRecorderTest {

  private static final StepMetrics UPDATE =
      new StepMetrics(
          3,
          1e-3,
          0.5,
          0.25,
          List.of(new GrpoMetrics(0.7, 0.1, 0.2, 0.3, 0, Double.NaN, 1.5, 0.9)));

  private static StepBatch batch(double... rewards) {
    return new StepBatch(null, rewards, 2, rewards.length, 6.5, 9, 1, 1);
  }

  private static SampledGroups sampled(Map<String, RuleTally> rules) {
    return new SampledGroups(List.of(), 5, 4, 2, 2, 1, 3, rules, 0.1, 0.2, 0, 1);
  }

  @Test
  void theStepRowHoldsWhatTheStepMeasured() {
    Map<String, RuleTally> rules = new LinkedHashMap<>();
    rules.put("math_accuracy", new RuleTally(3, 2.0, Map.of(), 0));
    rules.put("remote", new RuleTally(0, 0, Map.of("TIMEOUT", 4), 4));

    ObjectNode m =
        StepRecorder.metrics(
            StepFixtures.MAPPER, sampled(rules), batch(1, 0, 1, Double.NaN), UPDATE, true);

    // rewards 1, 0, 1 (the NaN is a skipped completion): mean 2/3, population std √(2/9)
    assertThat(m.get("reward_mean").asDouble()).isEqualTo(2.0 / 3);
    assertThat(m.get("reward_std").asDouble()).isEqualTo(Math.sqrt(2.0 / 9));
    assertThat(m.get("zero_std_fraction").asDouble()).isEqualTo(0.5);
    assertThat(m.get("kl").isNull()).as("no KL measured (β = 0)").isTrue();
    assertThat(m.get("loss").asDouble()).isEqualTo(0.7);
    assertThat(m.get("clip_ratio_high").asDouble()).isEqualTo(0.2);
    assertThat(m.get("clipped_ratio").asDouble()).isEqualTo(0.25);
    assertThat(m.get("prompts_consumed").asInt()).isEqualTo(5);
    assertThat(m.get("skipped_completions").asInt()).isEqualTo(1);
    assertThat(m.get("zeroed_results").asInt()).isEqualTo(3);
    assertThat(m.get("dynamic_sampling").get("dropped_fraction").asDouble()).isEqualTo(0.5);
    assertThat(m.get("dynamic_sampling").get("rounds").asInt()).isEqualTo(2);
    assertThat(m.get("rules").get("math_accuracy").get("mean").asDouble()).isEqualTo(2.0 / 3);
    assertThat(m.get("rules").get("remote").get("mean").isNull()).isTrue();
    assertThat(m.get("rules").get("remote").get("failed").get("TIMEOUT").asInt()).isEqualTo(4);
  }

  @Test
  void aStepWhoseCompletionsWereAllSkippedHasNoRewardMean() {
    ObjectNode m =
        StepRecorder.metrics(
            StepFixtures.MAPPER, sampled(Map.of()), batch(Double.NaN, Double.NaN), UPDATE, false);

    assertThat(m.get("reward_mean").isNull()).isTrue();
    assertThat(m.get("reward_std").isNull()).isTrue();
    assertThat(m.get("dynamic_sampling").get("enabled").asBoolean()).isFalse();
  }

  @Test
  void theRolloutMismatchGoesToTheRowAndToItsGauges() {
    GrpoMetrics measured =
        new GrpoMetrics(
            0.7,
            0.1,
            0.2,
            0.3,
            0,
            Double.NaN,
            1.5,
            0.9,
            new RolloutMismatch(-2e-3, 1e-4, 1.01, 3.5, 0.125));
    StepMetrics update = new StepMetrics(3, 1e-3, 0.5, 0.25, List.of(measured));
    ObjectNode m =
        StepRecorder.metrics(StepFixtures.MAPPER, sampled(Map.of()), batch(1, 0), update, false);
    assertThat(m.get("mismatch_kl").asDouble()).isEqualTo(-2e-3);
    assertThat(m.get("mismatch_kl_k3").asDouble()).isEqualTo(1e-4);
    assertThat(m.get("mismatch_is_weight_mean").asDouble()).isEqualTo(1.01);
    assertThat(m.get("mismatch_is_weight_max").asDouble()).isEqualTo(3.5);
    assertThat(m.get("mismatch_masked_fraction").asDouble()).isEqualTo(0.125);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    UUID run = UUID.fromString("00000000-0000-0000-0000-00000000002a");
    new StepRecorder(run, null, null, new TrainingMeters(registry), StepFixtures.MAPPER)
        .meters(m, Map.of(), 3, 4);
    String tag = "run=\"" + run + "\"";
    assertThat(registry.scrape())
        .contains("grpo_mismatch_kl{estimator=\"k1\"," + tag + "} -0.002")
        .contains("grpo_mismatch_kl{estimator=\"k3\"," + tag + "} 1.0E-4")
        .contains("grpo_mismatch_is_weight{" + tag + ",stat=\"mean\"} 1.01")
        .contains("grpo_mismatch_is_weight{" + tag + ",stat=\"max\"} 3.5")
        .contains("grpo_mismatch_masked_fraction{" + tag + "} 0.125");

    // without rollout log-probs: nulls in the row, NaN gauges
    ObjectNode none =
        StepRecorder.metrics(StepFixtures.MAPPER, sampled(Map.of()), batch(1, 0), UPDATE, false);
    assertThat(none.get("mismatch_kl").isNull()).isTrue();
    assertThat(none.get("mismatch_masked_fraction").isNull()).isTrue();
  }
}
