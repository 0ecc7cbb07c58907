package dev.grpo.reward.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReasoningStepsRuleTest {

  private final ReasoningStepsRule rule = new ReasoningStepsRule();
  private final ReasoningStepsRule.Params defaults = rule.parseParams(Map.of());

  @Test
  void threeStepsEarnOne() {
    assertThat(score("Step 1: add.\nStep 2: divide.\nStep 3: check.", defaults)).isEqualTo(1.0);
  }

  @Test
  void twoConnectivesEarnTwoThirds() {
    assertThat(score("First, add them. Then divide. Finally, check.", defaults))
        .isCloseTo(2.0 / 3.0, within(1e-12));
  }

  @Test
  void everyNumberedLineCountsNotOnlyTheFirstAsInOpenR1() {
    assertThat(ReasoningStepsRule.countMarkers("1. add\n2. divide\n  3. check")).isEqualTo(3);
  }

  @Test
  void bulletsNeedASpaceSoRulesBoldAndNegativesDoNotCount() {
    assertThat(ReasoningStepsRule.countMarkers("- add\n* divide\n---\n**bold**\n-3 is small"))
        .isEqualTo(2);
  }

  @Test
  void fullScoreThresholdIsAParam() {
    ReasoningStepsRule.Params five = rule.parseParams(Map.of("steps_for_full_score", 5));

    assertThat(score("Step 1: a\nStep 2: b", five)).isEqualTo(0.4);
    assertThatThrownBy(() -> rule.parseParams(Map.of("steps_for_full_score", 0)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'steps_for_full_score'");
  }

  private double score(String completion, ReasoningStepsRule.Params params) {
    return rule.score(RuleInput.ofCompletion(completion), params).score();
  }
}
