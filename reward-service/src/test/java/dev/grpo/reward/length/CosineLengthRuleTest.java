package dev.grpo.reward.length;

import static dev.grpo.reward.length.KimiLengthRuleTest.completion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CosineLengthRuleTest {

  private final CosineLengthRule rule = new CosineLengthRule();
  private final CosineLengthRule.Params defaults = rule.parseParams(null);

  @Test
  void openR1ConfigDefaultsAtTheEndsAndTheMiddle() {
    assertThat(score(completion(0, true), defaults)).isCloseTo(1.0, within(1e-12));
    assertThat(score(completion(1000, true), defaults)).isCloseTo(0.5, within(1e-12));
    assertThat(score(completion(500, true), defaults)).isCloseTo(0.75, within(1e-12));
    assertThat(score(completion(0, false), defaults)).isCloseTo(0.0, within(1e-12));
    assertThat(score(completion(1000, false), defaults)).isCloseTo(-0.5, within(1e-12));
  }

  @Test
  void openR1FunctionDefaultsWithMaxLen100() {
    CosineLengthRule.Params functionDefaults =
        rule.parseParams(Map.of("min_value_wrong", -1.0, "max_len", 100));

    // cos(0.2π) = (1 + √5)/4 = 0.809017; −0.5 − 0.25·1.809017 and 0.5 + 0.25·(1 − 0.809017).
    assertThat(score(completion(20, false), functionDefaults)).isCloseTo(-0.952254, within(1e-6));
    assertThat(score(completion(80, true), functionDefaults)).isCloseTo(0.547746, within(1e-6));
  }

  @Test
  void progressIsClampedBeyondMaxLenWhereOpenR1WouldClimbBack() {
    assertThat(score(completion(2000, true), defaults)).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void unknownCorrectnessIsNotApplicable() {
    assertThat(rule.score(completion(10, null), defaults).status())
        .isEqualTo(RuleStatus.NOT_APPLICABLE);
  }

  @Test
  void maxLenMustBePositive() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("max_len", 0)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'max_len'");
    assertThatThrownBy(() -> rule.parseParams(Map.of("max_value_correct", "high")))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'max_value_correct'");
  }

  private double score(RuleInput input, CosineLengthRule.Params params) {
    return rule.score(input, params).score();
  }
}
