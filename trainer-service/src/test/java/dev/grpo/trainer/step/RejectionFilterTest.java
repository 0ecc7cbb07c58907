package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.run.RejectionSampling;
import dev.grpo.trainer.step.RejectionFilter.Candidate;
import dev.grpo.trainer.step.RejectionFilter.Counts;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RejectionFilterTest {

  private static Candidate c(String text, int tokens, boolean truncated, Double acc, Double fmt) {
    Map<String, Double> scores = new java.util.HashMap<>();
    if (acc != null) {
      scores.put("math_accuracy", acc);
    }
    if (fmt != null) {
      scores.put("format", fmt);
    }
    return new Candidate(text, tokens, truncated, scores);
  }

  @Test
  void eachSampleIsRejectedForTheFirstReasonThatAppliesAndTheCountsAddUp() {
    RejectionFilter filter =
        new RejectionFilter(
            new RejectionSampling(
                8, Map.of("math_accuracy", 1.0, "format", 1.0), 10, false, 2, 1, 0));
    Counts counts = new Counts();
    List<Integer> kept =
        filter.keep(
            List.of(
                c("a", 3, false, 1.0, 1.0), // kept
                c("b", 12, true, 1.0, 1.0), // truncated (before too_long)
                c("c", 11, false, 1.0, 1.0), // too_long
                c("d", 3, false, 0.0, 1.0), // math_accuracy_below
                c("e", 3, false, 1.0, null), // format_unscored (format sorts first)
                c("a", 3, false, 1.0, 1.0), // duplicate of the kept "a"
                c("f", 3, false, 1.0, 1.0), // kept: second of the cap of two
                c("g", 3, false, 1.0, 1.0)), // over_cap
            counts);

    assertThat(kept).containsExactly(0, 6);
    assertThat(counts.kept()).isEqualTo(2);
    assertThat(counts.samples()).isEqualTo(8);
    assertThat(counts.rejected())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "truncated", 1,
                "too_long", 1,
                "math_accuracy_below", 1,
                "format_unscored", 1,
                "duplicate", 1,
                "over_cap", 1));
  }

  @Test
  void aThresholdBelowOneKeepsPartialScoresAndCountsAccumulateOverPrompts() {
    RejectionFilter filter =
        new RejectionFilter(
            new RejectionSampling(2, Map.of("math_accuracy", 0.5), 0, true, 1, 1, 0));
    Counts counts = new Counts();
    assertThat(
            filter.keep(
                List.of(c("x", 500, true, 0.5, null), c("y", 1, false, 0.49, null)), counts))
        .containsExactly(0);
    assertThat(
            filter.keep(List.of(c("x", 1, false, 0.2, null), c("y", 1, false, 0.7, null)), counts))
        .containsExactly(1);
    assertThat(counts.kept()).isEqualTo(2);
    assertThat(counts.rejected())
        .containsExactlyInAnyOrderEntriesOf(Map.of("math_accuracy_below", 2));
    assertThat(
            counts
                .writeTo(
                    tools.jackson.databind.json.JsonMapper.builder().build().createObjectNode())
                .toString())
        .isEqualTo(
            "{\"prompts\":2,\"samples\":4,\"kept\":2,\"rejected_total\":2,\"sampled_tokens\":0,"
                + "\"rejected\":{\"math_accuracy_below\":2}}");
  }
}
