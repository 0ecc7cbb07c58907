package dev.grpo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.testsupport.PrometheusExposition.Sample;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusExpositionTest {

  /** What Micrometer's Prometheus registry writes for a timer with buckets, a counter, a gauge. */
  static final String SAMPLE =
      """
      # HELP reward_rule_duration_seconds time a reward rule takes on one item
      # TYPE reward_rule_duration_seconds histogram
      reward_rule_duration_seconds_bucket{rule="format",service="reward-service",le="0.001"} 2
      reward_rule_duration_seconds_bucket{rule="format",service="reward-service",le="+Inf"} 3
      reward_rule_duration_seconds_count{rule="format",service="reward-service"} 3
      reward_rule_duration_seconds_sum{rule="format",service="reward-service"} 0.0021
      # HELP reward_rule_duration_seconds_max time a reward rule takes on one item
      # TYPE reward_rule_duration_seconds_max gauge
      reward_rule_duration_seconds_max{rule="format",service="reward-service"} 0.0012
      # TYPE reward_rule_results_total counter
      reward_rule_results_total{rule="a, \\"b\\" {c}",service="reward-service",status="OK"} 2.0

      # TYPE jvm_memory_used_bytes gauge
      jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2E7 1712345678000
      process_uptime_seconds 12.5
      odd_value{x="y"} NaN
      # TYPE grpo_kl gauge
      # EOF
      """;

  @Test
  void samplesAreReadWithTheirLabelsAndValues() {
    PrometheusExposition e = PrometheusExposition.parse(SAMPLE);
    assertThat(e.seriesNames())
        .containsExactly(
            "jvm_memory_used_bytes",
            "odd_value",
            "process_uptime_seconds",
            "reward_rule_duration_seconds_bucket",
            "reward_rule_duration_seconds_count",
            "reward_rule_duration_seconds_max",
            "reward_rule_duration_seconds_sum",
            "reward_rule_results_total");
    assertThat(e.samples("reward_rule_duration_seconds_bucket"))
        .extracting(s -> s.labels().get("le"))
        .containsExactly("0.001", "+Inf");
    assertThat(e.samples("reward_rule_results_total"))
        .containsExactly(
            new Sample(
                "reward_rule_results_total",
                Map.of("rule", "a, \"b\" {c}", "service", "reward-service", "status", "OK"),
                2.0));
    assertThat(e.samples("jvm_memory_used_bytes").get(0).value()).isEqualTo(1.2e7);
    assertThat(e.samples("process_uptime_seconds").get(0).labels()).isEmpty();
    assertThat(e.samples("odd_value").get(0).value()).isNaN();
  }

  @Test
  void typeLinesDeclareFamiliesThatSuffixedSeriesBelongTo() {
    PrometheusExposition e = PrometheusExposition.parse(SAMPLE);
    assertThat(e.types())
        .containsEntry("reward_rule_duration_seconds", "histogram")
        .containsEntry("reward_rule_duration_seconds_max", "gauge")
        .containsEntry("reward_rule_results_total", "counter")
        .containsEntry("grpo_kl", "gauge")
        .hasSize(5);
    assertThat(e.familyOf("reward_rule_duration_seconds_bucket"))
        .contains("reward_rule_duration_seconds");
    assertThat(e.familyOf("reward_rule_duration_seconds_sum"))
        .contains("reward_rule_duration_seconds");
    assertThat(e.familyOf("reward_rule_duration_seconds_max"))
        .contains("reward_rule_duration_seconds_max");
    assertThat(e.familyOf("reward_rule_results_total")).contains("reward_rule_results_total");
    assertThat(e.familyOf("grpo_kl")).contains("grpo_kl");
    assertThat(e.familyOf("process_uptime_seconds")).isEmpty();
  }

  @Test
  void openMetricsCountersExemplarsAndQuotedNamesAreUnderstood() {
    PrometheusExposition e =
        PrometheusExposition.parse(
            """
            # TYPE rollout_tokens counter
            rollout_tokens_total{backend="vllm"} 44.0 # {trace_id="abc"} 1.0
            {"sandbox.executions", language="c"} 1
            """);
    assertThat(e.familyOf("rollout_tokens_total")).contains("rollout_tokens");
    assertThat(e.seriesNames()).containsExactly("rollout_tokens_total", "sandbox.executions");
    assertThat(e.samples("sandbox.executions").get(0).labels()).containsEntry("language", "c");
  }

  @Test
  void malformedLinesAreRejectedWithTheirLineNumber() {
    assertThatThrownBy(() -> PrometheusExposition.parse("ok 1\nbroken{a=\"b\" 1\n"))
        .hasMessageStartingWith("line 2: ");
    assertThatThrownBy(() -> PrometheusExposition.parse("no_value\n"))
        .hasMessageContaining("expected a value");
    assertThatThrownBy(() -> PrometheusExposition.parse("x{a=b} 1"))
        .hasMessageContaining("no quoted value");
    assertThatThrownBy(() -> PrometheusExposition.parse("x one"))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> PrometheusExposition.parse("x 1 2 3"))
        .hasMessageContaining("at most a timestamp");
  }
}
