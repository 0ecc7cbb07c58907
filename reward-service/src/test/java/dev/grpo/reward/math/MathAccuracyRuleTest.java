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
    // without an answer block the last box is the answer
    assertThat(score("so the final answer is $\\boxed{\\sqrt{8}}$", "2\\sqrt{2}").score())
        .isEqualTo(1.0);
  }

  private RuleResult score(String prompt, String completion, String gold, Map<String, ?> params) {
    return rule.score(
        new RuleInput(
            "i", prompt, completion, new RuleInput.Reference(gold, null, null), null, null, null),
        rule.parseParams(params));
  }

  /**
   * The completions the demo's policy learned under version 1.0 (issue 12): no answer, or the
   * question copied, which 1.0 evaluated from the reasoning and scored 1.
   */
  @Test
  void hackedCompletionsThatStateNoAnswerOrCopyTheQuestionScoreZero() {
    for (String hacked :
        new String[] {
          "<think>\n7+0\n</think>\n</answer>",
          "<think>\n7+0\n</think>\n",
          "<think>7+0</think>",
          "7+0",
          "<think>\n7+0\n</think>\n<answer>\n7+0\n</answer>",
          "<think>7+0</think><answer>7 + 0 =</answer>",
          "<think>the sum is 7</think>",
          "<answer>7</answer>\n<answer>7+0</answer>"
        }) {
      RuleResult r = score("7+0=", hacked, "7", Map.of());
      assertThat(r.status()).as(hacked).isEqualTo(RuleStatus.OK);
      assertThat(r.score()).as(hacked).isEqualTo(0.0);
    }
    RuleResult none = score("7+0=", "<think>\n7+0\n</think>\n</answer>", "7", Map.of());
    assertThat(none.details()).containsEntry("source", "none");
    RuleResult copied = score("7+0=", "<think>7+0</think><answer>7+0</answer>", "7", Map.of());
    assertThat(copied.details())
        .containsEntry("source", "answer_tag")
        .containsEntry("detail", "the answer only restates the prompt");
    // the honest completion of the same problem still scores
    assertThat(
            score("7+0=", "<think>\n7+0\n</think>\n<answer>\n7\n</answer>", "7", Map.of()).score())
        .isEqualTo(1.0);
  }

  @Test
  void withoutAnAnswerBlockOnlyTheLastBoxCountsUnlessTheLastNumberIsOptedIn() {
    RuleResult boxed =
        score(
            "p",
            "first \\boxed{5}.\n\nWait. That is wrong. Checking again: \\boxed{7}",
            "7",
            Map.of());
    assertThat(boxed.score()).as(boxed.details().toString()).isEqualTo(1.0);
    assertThat(boxed.details()).containsEntry("source", "boxed");
    assertThat(
            score(
                    "p",
                    "first \\boxed{7}.\n\nWait. That is wrong. Checking again: \\boxed{5}",
                    "7",
                    Map.of())
                .score())
        .isEqualTo(0.0);

    String gsm8k = "She pays 3 + 4 = 7 dollars, so she has 7";
    assertThat(score("How much?", gsm8k, "7", Map.of()).score()).isEqualTo(0.0);
    RuleResult last = score("How much?", gsm8k, "7", Map.of("last_number_fallback", true));
    assertThat(last.score()).isEqualTo(1.0);
    assertThat(last.details()).containsEntry("source", "last_number");
    assertThat(
            score("How much?", "7 at first, then 12", "7", Map.of("last_number_fallback", true))
                .score())
        .isEqualTo(0.0);
    // an answer block still wins over the fallback
    assertThat(
            score("p", "7 <answer>8</answer> 7", "7", Map.of("last_number_fallback", true)).score())
        .isEqualTo(0.0);
    assertThat(rule.version()).isEqualTo("2.1");
  }

  @Test
  void aPlainNumberThatAlsoOccursInThePromptIsAnAnswerNotACopy() {
    assertThat(score("7+0=", "<think>7+0</think><answer>7</answer>", "7", Map.of()).score())
        .isEqualTo(1.0);
    assertThat(
            score("Factor x^2+2x+1.", "<answer>$x^2+2x+1$</answer>", "(x+1)^2", Map.of()).score())
        .isEqualTo(0.0);
    RuleResult factored =
        score("Factor x^2+2x+1.", "<answer>$(x+1)^2$</answer>", "(x+1)^2", Map.of());
    assertThat(factored.score()).as(factored.details().toString()).isEqualTo(1.0);
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
