package dev.grpo.reward.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormatRuleTest {

  private static final String WELL_FORMED = "<think>\nreason\n</think>\n<answer>\n42\n</answer>";

  private final FormatRule rule = new FormatRule();
  private final FormatRule.Params strict = rule.parseParams(Map.of());
  private final FormatRule.Params lenient = rule.parseParams(Map.of("mode", "lenient"));

  @Test
  void strictAcceptsOpenR1Layout() {
    assertThat(score("<think>\nreason\nmore\n</think>\n<answer>\n42\n</answer>", strict))
        .isEqualTo(1.0);
  }

  @Test
  void strictRejectsTextAfterTheAnswerUnlikeOpenR1() {
    RuleResult result = rule.score(RuleInput.ofCompletion(WELL_FORMED + "\nextra"), strict);

    assertThat(result.score()).isEqualTo(0.0);
    assertThat(result.details()).containsKey("violation");
  }

  @Test
  void strictRejectsMissingNewlinesAndSecondAnswerBlocks() {
    assertThat(score("<think>reason</think><answer>42</answer>", strict)).isEqualTo(0.0);
    RuleResult twoAnswers =
        rule.score(
            RuleInput.ofCompletion(
                "<think>\nr\n</think>\n<answer>\n1\n</answer>\n<answer>\n2\n</answer>"),
            strict);
    assertThat(twoAnswers.score()).isEqualTo(0.0);
    assertThat(twoAnswers.details()).containsEntry("violation", "<answer> appears 2 times");
  }

  @Test
  void lenientAllowsFreeWhitespaceAndSurroundingText() {
    assertThat(score("<think>reason</think><answer>42</answer>", lenient)).isEqualTo(1.0);
    assertThat(score("ok. <think> r </think>\n\n <answer> 42 </answer><|im_end|>", lenient))
        .isEqualTo(1.0);
  }

  @Test
  void lenientStillNeedsOrderAndNothingBetweenTheBlocks() {
    assertThat(score("<think>r</think> so <answer>42</answer>", lenient)).isEqualTo(0.0);
    assertThat(score("<answer>42</answer><think>r</think>", lenient)).isEqualTo(0.0);
    assertThat(score("<think>r</think>", lenient)).isEqualTo(0.0);
  }

  @Test
  void prefilledThinkTagIsTakenFromThePrompt() {
    FormatRule.Params prefilled = rule.parseParams(Map.of("think_prefilled", true));

    assertThat(score("reason\n</think>\n<answer>\n42\n</answer>", prefilled)).isEqualTo(1.0);
    assertThat(score(WELL_FORMED, prefilled)).isEqualTo(0.0);
  }

  @Test
  void unknownModeIsRejectedByName() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("mode", "loose")))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'mode'")
        .hasMessageContaining("[strict, lenient]");
  }

  private double score(String completion, FormatRule.Params params) {
    return rule.score(RuleInput.ofCompletion(completion), params).score();
  }
}
