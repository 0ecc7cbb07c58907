package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MathAccuracyRuleTest {

  private final MathAccuracyRule rule = new MathAccuracyRule();
  private final MathAccuracyRule.Params defaults = rule.parseParams(Map.of());

  private RuleResult score(String completion, String gold) {
    return rule.score(
        new RuleInput(
            "i", "p", completion, new RuleInput.Reference(gold, null, null), null, null, null),
        defaults);
  }

  @Test
  void theAnswerBlockIsCheckedAgainstTheGold() {
    RuleResult right = score("<think>7/14 = 1/2</think><answer>$\\frac{1}{2}$</answer>", "0.5");
    assertThat(right.status()).isEqualTo(RuleStatus.OK);
    assertThat(right.score()).isEqualTo(1.0);
    assertThat(right.details()).containsEntry("source", "answer_tag");

    RuleResult wrong = score("<think>hmm</think><answer>\\frac{1}{3}</answer>", "0.5");
    assertThat(wrong.score()).isEqualTo(0.0);
    // a number in the reasoning must not count when the answer block says otherwise
    assertThat(score("<think>maybe 1/2?</think><answer>3</answer>", "\\frac12").score())
        .isEqualTo(0.0);
    // without tags the verifier's own extraction anchors apply
    assertThat(score("so the final answer is $\\boxed{\\sqrt{8}}$", "2\\sqrt{2}").score())
        .isEqualTo(1.0);
  }

  @Test
  void knownFalsePositivesStayWrong() {
    assertThat(score("<answer>\\frac{1}{2006!}</answer>", "\\frac{1}{2004!}").score())
        .isEqualTo(0.0);
    assertThat(score("<answer>\\frac{1}{2^{98}}</answer>", "\\frac{1}{2^{99}}").score())
        .isEqualTo(0.0);
  }

  @Test
  void noGoldOrAnUnparseableGoldIsNeverAZero() {
    RuleResult none = score("<answer>3</answer>", null);
    assertThat(none.status()).isEqualTo(RuleStatus.NOT_APPLICABLE);
    assertThat(none.score()).isNull();
    // a hostile gold cannot be checked against: an explicit status, no score
    RuleResult hostileGold = score("<answer>3</answer>", "10^{10^{10^{10}}}");
    assertThat(hostileGold.status()).isIn(RuleStatus.INVALID_INPUT, RuleStatus.TIMEOUT);
    assertThat(hostileGold.score()).isNull();
    // a hostile prediction against a sound gold is the model's answer, and it is not 3
    RuleResult hostilePrediction = score("<answer>10^{10^{10^{10}}}</answer>", "3");
    assertThat(hostilePrediction.score()).isNotEqualTo(1.0);
  }

  @Test
  void paramsAreTypedAndChecked() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("float_rounding", 99)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("float_rounding");
    assertThat(rule.parseParams(Map.of("float_rounding", 2)).options().floatRounding())
        .isEqualTo(2);
  }
}
