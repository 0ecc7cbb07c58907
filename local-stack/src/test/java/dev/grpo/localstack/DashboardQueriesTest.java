package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DashboardQueriesTest {

  private static DashboardQueries dashboard() throws IOException {
    return DashboardQueries.load(
        Path.of("..", "deploy", "grafana", "dashboards", "grpo-training.json"));
  }

  @Test
  void readsEveryTargetWithItsLegendLabelsAndTheVariables() throws IOException {
    DashboardQueries d = dashboard();
    assertThat(d.targets()).hasSize(49);
    assertThat(d.variables())
        .containsExactly(
            new DashboardQueries.Variable("run", "grpo_step", "run"),
            new DashboardQueries.Variable("rule", "reward_rule_results_total", "rule"));
    DashboardQueries.Target clip =
        d.targets().stream()
            .filter(t -> t.panel().equals("Clip ratio by region"))
            .findFirst()
            .orElseThrow();
    assertThat(clip.expr()).isEqualTo("grpo_clip_ratio{run=~\"$run\"}");
    assertThat(clip.legendLabels()).containsExactly("region", "run");
    assertThat(
            d.targets().stream()
                .filter(t -> t.expr().startsWith("max by (phase) (grpo_step_duration_seconds_max"))
                .findFirst()
                .orElseThrow()
                .legendLabels())
        .as("a legend without {{label}}")
        .isEmpty();
  }

  @Test
  void substitutesAMultiValueVariableAsGrafanaDoesForARegexMatcher() {
    var t =
        new DashboardQueries.Target(
            "p", "sum by (rule) (x{run=~\"$run\", rule=~\"${rule}\"})", Set.of("rule"));
    assertThat(t.substituted(Map.of("run", List.of("a-1", "b-2"), "rule", List.of("f.x"))))
        .isEqualTo("sum by (rule) (x{run=~\"(a-1|b-2)\", rule=~\"(f\\\\.x)\"})");
    assertThatThrownBy(() -> t.substituted(Map.of("run", List.of("a"))))
        .hasMessageContaining("no value for $rule");
  }
}
