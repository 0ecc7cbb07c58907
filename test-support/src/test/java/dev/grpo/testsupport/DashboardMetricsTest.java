package dev.grpo.testsupport;

import static dev.grpo.testsupport.DashboardMetrics.metricNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardMetricsTest {

  static final Path DASHBOARD = Path.of("../deploy/grafana/dashboards/grpo-training.json");

  @Test
  void aggregationsWithGroupingKeepTheMetricAndDropLabelsAndMatchers() {
    assertThat(
            metricNames(
                "sum by (rule, status) (rate(reward_rule_results_total{rule=~\"$rule\"}[5m]))"))
        .containsExactly("reward_rule_results_total");
    assertThat(
            metricNames(
                "histogram_quantile(0.95, sum by (le, phase)"
                    + " (rate(grpo_step_duration_seconds_bucket[5m])))"))
        .containsExactly("grpo_step_duration_seconds_bucket");
    assertThat(metricNames("sum(rate(x_total[5m])) without (instance, job)"))
        .containsExactly("x_total");
    assertThat(metricNames("SUM BY(le)(rate(y_bucket[$__rate_interval]))"))
        .containsExactly("y_bucket");
  }

  @Test
  void binaryExpressionsKeepBothSides() {
    assertThat(
            metricNames(
                "sum by (phase) (rate(grpo_step_duration_seconds_sum{phase!=\"total\"}[5m]))"
                    + " / sum by (phase) (rate(grpo_step_duration_seconds_count[5m]))"))
        .containsExactly("grpo_step_duration_seconds_count", "grpo_step_duration_seconds_sum");
    assertThat(metricNames("grpo_reward_mean{run=~\"$run\"} + grpo_reward_std{run=~\"$run\"}"))
        .containsExactly("grpo_reward_mean", "grpo_reward_std");
    assertThat(
            metricNames(
                "a_total / on (run) group_left (rule) b > bool 0.5 and c unless d or -e * 1e-3"))
        .containsExactly("a_total", "b", "c", "d", "e");
    assertThat(metricNames("f * ignoring(x) group_right g")).containsExactly("f", "g");
    assertThat(metricNames("1 - avg(up) * 100 % 7 ^ 2")).containsExactly("up");
  }

  @Test
  void grafanaVariableQueriesNameTheirSelectorNotTheLabel() {
    assertThat(metricNames("label_values(grpo_step, run)")).containsExactly("grpo_step");
    assertThat(metricNames("label_values(up{job=~\"a,b\"}, instance)")).containsExactly("up");
    assertThat(metricNames("label_values(run)")).isEmpty();
    assertThat(metricNames("query_result(topk(5, sum by (run) (grpo_step)))"))
        .containsExactly("grpo_step");
    assertThat(metricNames("metrics(grpo_.*)")).isEmpty();
    assertThat(metricNames("label_names()")).isEmpty();
  }

  @Test
  void functionsStringsNumbersDurationsModifiersAndVariablesAreNotMetrics() {
    assertThat(
            metricNames(
                "label_replace(max_over_time(m1[1h:5m] offset -5m), \"dst\", \"$1\", \"src\","
                    + " \"(.*)\")"))
        .containsExactly("m1");
    assertThat(metricNames("count_values(\"version\", build_info) @ end()"))
        .containsExactly("build_info");
    assertThat(metricNames("m2 @ 1609746000 + vector(1) + time() + 0x1F + .5 + Inf - NaN"))
        .containsExactly("m2");
    assertThat(metricNames("rate(m3{a=\"}\", b='{', c=`\\`}[1h30m]) * ${factor:raw} + $k"))
        .containsExactly("m3");
    assertThat(metricNames("job:http_requests:rate5m # a recording rule\n > 0"))
        .containsExactly("job:http_requests:rate5m");
    assertThat(metricNames("{__name__=\"by_name\", job=\"x\"}")).containsExactly("by_name");
    assertThat(metricNames("topk(3, quantile(0.9, rollout_queue_depth))"))
        .containsExactly("rollout_queue_depth");
  }

  @Test
  void malformedExpressionsAreRejectedNotHalfRead() {
    assertThatThrownBy(() -> metricNames("sum(rate(x[5m])"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unbalanced");
    assertThatThrownBy(() -> metricNames("x{a=\"b}")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> metricNames("rate(x[5m]))")).hasMessageContaining("unbalanced )");
    assertThatThrownBy(() -> metricNames("x; drop")).hasMessageContaining("unexpected ';'");
  }

  @Test
  void aDashboardFileIsReadFromPanelsNestedRowsAndVariables(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("d.json");
    Files.writeString(
        file,
        """
        {"title": "t",
         "templating": {"list": [
           {"name": "run", "type": "query", "query": {"query": "label_values(grpo_step, run)"}},
           {"name": "rule", "type": "query", "query": "label_values(reward_rule_results_total, rule)"},
           {"name": "window", "type": "custom", "query": "1m,5m"}]},
         "panels": [
           {"title": "A", "targets": [{"expr": "sum(rate(rollout_tokens_total[1m]))"}]},
           {"type": "row", "title": "collapsed", "panels": [
             {"title": "B", "targets": [{"expr": "grpo_kl{run=~\\"$run\\"}"},
                                        {"expr": "rollout_tokens_total"}]}]}]}
        """);
    DashboardMetrics d = DashboardMetrics.load(file);
    assertThat(d.names())
        .containsExactly(
            "grpo_kl", "grpo_step", "reward_rule_results_total", "rollout_tokens_total");
    assertThat(d.usedBy().get("rollout_tokens_total")).containsExactly("A", "B");
    assertThat(d.usedBy().get("grpo_step")).containsExactly("variable $run");
    assertThat(d.metricsWithPrefix("grpo_").names()).containsExactly("grpo_kl", "grpo_step");
    assertThat(d.metricsWithPrefix("reward_", "rollout_").names())
        .containsExactly("reward_rule_results_total", "rollout_tokens_total");
  }

  @Test
  void missingComparesSeriesNamesExactlyAndExplainsTheLikelyMistake() {
    DashboardMetrics d =
        DashboardMetrics.of(
            "histogram_quantile(0.95, sum by (le) (rate(reward_rule_duration_seconds_bucket[5m])))",
            "rate(sandbox_executions[5m])",
            "rate(rollout_queue_depth_total[5m])",
            "rate(rollout_tokens_total[1m])",
            "grpo_kl");
    String text =
        """
        # HELP reward_rule_duration_seconds time a reward rule takes
        # TYPE reward_rule_duration_seconds summary
        reward_rule_duration_seconds_count{rule="format",service="reward-service"} 3
        reward_rule_duration_seconds_sum{rule="format",service="reward-service"} 0.002
        # TYPE sandbox_executions_total counter
        sandbox_executions_total{language="python",outcome="ok",phase="run"} 1.0
        # TYPE rollout_queue_depth gauge
        rollout_queue_depth{backend="vllm"} 0.0
        # TYPE rollout_tokens_total counter
        rollout_tokens_total{backend="vllm"} 44.0
        # TYPE grpo_kl gauge
        """;
    assertThat(d.missingFrom(text))
        .containsExactly(
            "grpo_kl",
            "reward_rule_duration_seconds_bucket",
            "rollout_queue_depth_total",
            "sandbox_executions");
    assertThat(d.missing(Set.of("grpo_kl", "rollout_tokens_total", "sandbox_executions")))
        .containsExactly("reward_rule_duration_seconds_bucket", "rollout_queue_depth_total");
    assertThat(d.explainMissing(text))
        .contains("reward_rule_duration_seconds_bucket (histogram_quantile")
        .contains("published without histogram buckets")
        .contains("sandbox_executions (rate(sandbox_executions[5m])): a counter: query")
        .contains("rollout_queue_depth_total (rate(rollout_queue_depth_total[5m])): not a counter")
        .contains("grpo_kl (grpo_kl): family grpo_kl (gauge) is declared, no sample")
        .doesNotContain("rollout_tokens_total (");
  }

  /**
   * The committed dashboard queries exactly these series: the trainer's agreed meters, the rollout,
   * reward and sandbox meters, and a few JVM/HTTP/pool ones. A typo in a query fails here.
   */
  @Test
  void theCommittedDashboardQueriesExactlyTheKnownMetrics() {
    DashboardMetrics d = DashboardMetrics.load(DASHBOARD);
    assertThat(d.metricsWithPrefix("grpo_").names())
        .containsExactly(
            "grpo_clip_ratio",
            "grpo_completion_clipped_ratio",
            "grpo_completion_length",
            "grpo_dynamic_sampling_dropped_fraction",
            "grpo_entropy",
            "grpo_eval_accuracy",
            "grpo_eval_format_rate",
            "grpo_grad_norm",
            "grpo_kl",
            "grpo_learning_rate",
            "grpo_loss",
            "grpo_mismatch_is_weight",
            "grpo_mismatch_kl",
            "grpo_mismatch_masked_fraction",
            "grpo_pipeline_stages_total",
            "grpo_policy_version",
            "grpo_reward_failures_total",
            "grpo_reward_mean",
            "grpo_reward_rule_mean",
            "grpo_reward_std",
            "grpo_reward_zero_std_fraction",
            "grpo_rollout_idle_ratio",
            "grpo_rollout_stale_dropped_total",
            "grpo_rollout_staleness_versions_count",
            "grpo_rollout_staleness_versions_sum",
            "grpo_stage_rows_kept",
            "grpo_stage_rows_rejected",
            "grpo_step",
            "grpo_step_duration_seconds_bucket",
            "grpo_step_duration_seconds_count",
            "grpo_step_duration_seconds_max",
            "grpo_step_duration_seconds_sum",
            "grpo_steps_total",
            "grpo_trainer_idle_ratio");
    assertThat(d.metricsWithPrefix("rollout_", "reward_", "sandbox_").names())
        .containsExactly(
            "reward_rule_duration_seconds_bucket",
            "reward_rule_results_total",
            "rollout_completions_total",
            "rollout_queue_depth",
            "rollout_request_duration_seconds_bucket",
            "rollout_request_duration_seconds_count",
            "rollout_tokens_total",
            "sandbox_execution_duration_seconds_bucket",
            "sandbox_executions_total");
    assertThat(d.names())
        .hasSize(34 + 9 + 5)
        .contains(
            "hikaricp_connections_active",
            "http_server_requests_seconds_count",
            "http_server_requests_seconds_max",
            "http_server_requests_seconds_sum",
            "jvm_memory_used_bytes");
    assertThat(d.usedBy().get("grpo_step")).contains("variable $run");
  }
}
