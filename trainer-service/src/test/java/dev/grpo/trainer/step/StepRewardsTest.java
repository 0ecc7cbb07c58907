package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.reward.ScoreResponse.TotalStatus;
import dev.grpo.api.run.RewardFailurePolicy;
import dev.grpo.api.run.RunSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepRewardsTest {

  private static RuleOutcome ok(String rule, double score) {
    return new RuleOutcome(rule, "1", "OK", score, Map.of());
  }

  private static RuleOutcome down(String rule) {
    return new RuleOutcome(rule, "1", "ERROR", null, Map.of("reason", "connection refused"));
  }

  private static ItemResult item(String id, RuleOutcome... rules) {
    return new ItemResult(id, null, TotalStatus.INCOMPLETE, 0, List.of(), List.of(rules));
  }

  private static List<RunSpec.Reward> rules(RewardFailurePolicy remotePolicy) {
    return List.of(
        new RunSpec.Reward("math_accuracy", 1.0, Map.of(), RewardFailurePolicy.FAIL),
        new RunSpec.Reward("keyword_coverage", 0.5, Map.of(), remotePolicy));
  }

  @Test
  void weightedSumWhenEveryRuleScored() {
    StepRewards.Assembled a =
        StepRewards.assemble(
            rules(RewardFailurePolicy.SKIP),
            List.of(
                item("1", ok("math_accuracy", 1), ok("keyword_coverage", 0.5)),
                item("2", ok("math_accuracy", 0), ok("keyword_coverage", 1))));
    assertThat(a.rewards()).containsExactly(1.25, 0.5);
    assertThat(a.skipped()).isZero();
    assertThat(a.rules().get("keyword_coverage").mean()).isEqualTo(0.75);
    assertThat(a.rules().get("math_accuracy").ok()).isEqualTo(2);
  }

  @Test
  void skipLeavesTheCompletionOutAndCountsIt() {
    StepRewards.Assembled a =
        StepRewards.assemble(
            rules(RewardFailurePolicy.SKIP),
            List.of(
                item("1", ok("math_accuracy", 1), down("keyword_coverage")),
                item("2", ok("math_accuracy", 1), ok("keyword_coverage", 1))));
    assertThat(a.rewards()[0]).isNaN();
    assertThat(a.rewards()[1]).isEqualTo(1.5);
    assertThat(a.skipped()).isEqualTo(1);
    assertThat(a.zeroed()).isZero();
    assertThat(a.rules().get("keyword_coverage").failed()).isEqualTo(Map.of("ERROR", 1));
    assertThat(a.rules().get("keyword_coverage").applied()).isEqualTo(1);
    // the mean is over what the rule scored, not diluted by a silent 0
    assertThat(a.rules().get("keyword_coverage").mean()).isEqualTo(1.0);
  }

  @Test
  void zeroScoresTheRuleZeroAndKeepsTheOthers() {
    StepRewards.Assembled a =
        StepRewards.assemble(
            rules(RewardFailurePolicy.ZERO),
            List.of(item("1", ok("math_accuracy", 1), down("keyword_coverage"))));
    assertThat(a.rewards()).containsExactly(1.0);
    assertThat(a.zeroed()).isEqualTo(1);
    assertThat(a.skipped()).isZero();
  }

  @Test
  void failStopsTheStepNamingRuleStatusAndReason() {
    assertThatThrownBy(
            () ->
                StepRewards.assemble(
                    rules(RewardFailurePolicy.FAIL),
                    List.of(item("17", ok("math_accuracy", 1), down("keyword_coverage")))))
        .isInstanceOf(StepRewards.RewardFailureException.class)
        .hasMessageContaining("keyword_coverage answered ERROR for completion 17")
        .hasMessageContaining("connection refused");
  }

  @Test
  void aRuleMissingFromTheAnswerIsAFailureNotAZero() {
    StepRewards.Assembled a =
        StepRewards.assemble(
            rules(RewardFailurePolicy.SKIP), List.of(item("1", ok("math_accuracy", 1))));
    assertThat(a.rewards()[0]).isNaN();
    assertThat(a.rules().get("keyword_coverage").failed()).isEqualTo(Map.of("MISSING", 1));
  }
}
