package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localstack.CompareTable.RunResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompareTableTest {

  private static RunResult run(String method, long seed, double after, double[] curve) {
    return new RunResult(method, seed, 0.2, after, curve, 500e6 + seed, 40e6, 1e6 * seed, 1.5, 0.5);
  }

  @Test
  void rowsAggregateTheSeedsOfEachMethod() {
    String table =
        CompareTable.render(
            List.of(
                run("grpo", 1, 0.5, new double[] {0.2, 0.4}),
                run("ppo", 1, 0.3, new double[] {0.1, 0.1}),
                run("grpo", 2, 0.7, new double[] {0.6, 0.8})));
    String[] lines = table.split("\n");
    assertThat(lines).hasSize(3);
    // accuracy after: mean 0.6, sample std sqrt(0.02) = 0.1414; reward area: 0.3 and 0.7
    assertThat(lines[1])
        .startsWith("grpo")
        .contains("0.600 ± 0.141")
        .contains("0.500 ± 0.283")
        .contains("500 MB")
        .contains("40 MB")
        .contains("2.00 MB");
    assertThat(lines[2]).startsWith("ppo").contains("0.300 ").doesNotContain("±  ");
  }

  @Test
  void meanAndSampleStd() {
    assertThat(CompareTable.mean(new double[] {1, 2, 3, 4})).isEqualTo(2.5);
    assertThat(CompareTable.std(new double[] {1, 2, 3, 4})).isEqualTo(Math.sqrt(5.0 / 3));
    assertThat(CompareTable.meanStd(new double[] {0.25}, 2)).isEqualTo("0.25");
    assertThat(CompareTable.median(new double[] {9, 1, 2})).isEqualTo(2);
    assertThat(CompareTable.median(new double[] {9, 1, 2, 4})).isEqualTo(3);
  }

  @Test
  void optionsParseAndRefuseUnknownMethods() {
    Compare.Options defaults = Compare.Options.parse(List.of());
    assertThat(defaults.seeds()).isEqualTo(3);
    assertThat(defaults.methods()).hasSize(8).startsWith("grpo").endsWith("ppo");
    Compare.Options small =
        Compare.Options.parse(List.of("--seeds", "2", "--steps", "5", "--methods", "grpo,ppo"));
    assertThat(small).isEqualTo(new Compare.Options(2, 5, List.of("grpo", "ppo")));
    assertThat(Compare.Options.parse(List.of("--methods", "sac"))).isNull();
    assertThat(Compare.Options.parse(List.of("--seeds", "0"))).isNull();
    assertThat(Compare.Options.parse(List.of("--steps"))).isNull();
  }
}
