package dev.grpo.reward.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TagCountRuleTest {

  private final TagCountRule rule = new TagCountRule();
  private final TagCountRule.Params params = rule.parseParams(null);

  @Test
  void allFourTagsEarnOne() {
    assertThat(score("<think>\nr\n</think>\n<answer>\n42\n</answer>")).isEqualTo(1.0);
  }

  @Test
  void eachMissingOrRepeatedTagCostsAQuarter() {
    // "\n</answer>" missing: the answer is not closed on its own line.
    assertThat(score("<think>\nr\n</think>\n<answer>\n42</answer>")).isEqualTo(0.75);
    // "<think>\n" twice.
    assertThat(score("<think>\n<think>\nr\n</think>\n<answer>\n42\n</answer>")).isEqualTo(0.75);
    // Without newlines only nothing counts.
    assertThat(score("<think>r</think><answer>42</answer>")).isEqualTo(0.0);
  }

  @Test
  void detailsShowTheCounts() {
    RuleResult result = rule.score(RuleInput.ofCompletion("<think>\n<think>\n"), params);

    assertThat(result.details().get("counts"))
        .isEqualTo(
            Map.of("<think>\\n", 2, "\\n</think>\\n", 0, "\\n<answer>\\n", 0, "\\n</answer>", 0));
  }

  @Test
  void hasNoParams() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("weight", 1)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'weight'");
  }

  private double score(String completion) {
    return rule.score(RuleInput.ofCompletion(completion), params).score();
  }
}
