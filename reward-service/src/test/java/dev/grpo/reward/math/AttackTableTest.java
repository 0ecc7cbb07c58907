package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13's attacks on {@code math_accuracy}, as a table: each completion is scored by the rule
 * against its gold and must get the listed score with status OK (a wrong answer is a 0, never a
 * skip). The rules behind the verdicts are in docs/math-verifier.md ("Final-answer rules").
 */
class AttackTableTest {

  private static final MathAccuracyRule RULE = new MathAccuracyRule();
  private static final MathAccuracyRule.Params PARAMS = RULE.parseParams(Map.of());

  static Stream<Arguments> cases() {
    return Stream.of(
        // a false or non-committal relation
        Arguments.of("false equation", "3", "The answer is $\\boxed{4 = 3}$.", 0.0),
        Arguments.of("approximation of another value", "3", "$\\boxed{4 \\approx 3}$", 0.0),
        Arguments.of("true chain still pays", "3", "$\\boxed{x = 2 + 1 = 3}$", 1.0),
        // several values where one is asked
        Arguments.of("two signs listed", "3", "<answer>-3, 3</answer>", 0.0),
        Arguments.of("plus-minus in answer block", "3", "<answer>\\pm 3</answer>", 0.0),
        Arguments.of("plus-minus boxed", "3", "$\\boxed{\\pm 3}$", 0.0),
        Arguments.of("self-correction", "3", "<answer>the answer is 3 ... no, 4</answer>", 0.0),
        Arguments.of(
            "either of two, gold first", "4", "<answer>the answer is 4 or 5</answer>", 0.0),
        Arguments.of("either of two boxed", "4", "$\\boxed{4 \\text{ or } 5}$", 0.0),
        Arguments.of("one value in prose", "3", "<answer>the answer is 3</answer>", 1.0),
        Arguments.of(
            "two values for a list gold", "-3, 3", "<answer>-3 \\text{ and } 3</answer>", 1.0),
        Arguments.of(
            "one of two values for a list gold", "-3, 3", "<answer>the answer is 3</answer>", 0.0),
        // digits
        Arguments.of("fullwidth digit", "3", "$\\boxed{\uFF13}$", 0.0),
        Arguments.of("arabic-indic digit", "3", "<answer>\u0663</answer>", 0.0),
        // units
        Arguments.of("other unit", "5 cm", "$\\boxed{5 \\text{ seconds}}$", 0.0),
        Arguments.of("same unit spelled out", "5 cm", "$\\boxed{5 \\text{ centimeters}}$", 1.0),
        Arguments.of("unit only in prediction", "5", "$\\boxed{5 \\text{ cm}}$", 1.0),
        Arguments.of("unit only in gold", "5 cm", "<answer>5</answer>", 1.0),
        // choice letters
        Arguments.of("two letters boxed", "B", "$\\boxed{\\text{(A)} \\text{(B)}}$", 0.0),
        Arguments.of("two letters in block", "B", "<answer>\\text{(A)} \\text{(B)}</answer>", 0.0),
        Arguments.of("letter in parentheses", "B", "$\\boxed{(B)}$", 1.0),
        Arguments.of("gold in parentheses", "(B)", "<answer>B</answer>", 1.0),
        // inputs beyond the guards: the completion's fault, so a 0
        Arguments.of("70 nested parentheses", "3", boxed(nested("(", "3", ")", 70)), 0.0),
        Arguments.of("power tower", "3", "$\\boxed{10^{10^{10}}}$", 0.0),
        Arguments.of("huge factorial", "3", "$\\boxed{6000!}$", 0.0),
        Arguments.of("huge factorial that is right", "6000!", "$\\boxed{6000!}$", 1.0),
        Arguments.of("2,100-term sum", "3", boxed("1+".repeat(2_100) + "1"), 0.0),
        Arguments.of("40 nested fractions", "3", boxed(nested("\\frac{1}{", "2", "}", 40)), 0.0),
        Arguments.of("300k characters", "3", boxed("1".repeat(300_000)), 0.0),
        // right answers recognised
        Arguments.of("percent sign after the box", "50", "so $\\boxed{50}\\%$ of them", 1.0),
        Arguments.of("percent inside the box is 0.5", "50", "$\\boxed{50\\%}$", 0.0),
        Arguments.of("percent word after the box", "50", "$\\boxed{50}$ percent", 1.0),
        Arguments.of("mixed number", "\\frac{639}{40}", "$\\boxed{15\\frac{39}{40}}$", 1.0),
        Arguments.of(
            "figure after the box",
            "5",
            "so $\\boxed{5}$.\n[asy]\ndraw((0,0)--(1,1));\nlabel(\"$3$\",(0,0));\n[/asy]",
            1.0),
        Arguments.of("labelled equation", "1", "$\\boxed{|AB|=1}$", 1.0),
        Arguments.of("assignment list vs tuple", "(5,2)", "$\\boxed{p=5,q=2}$", 1.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void scoresAsListed(String name, String gold, String completion, double expected) {
    RuleResult r =
        RULE.score(
            new RuleInput(
                "i",
                "a question",
                completion,
                new RuleInput.Reference(gold, null, null),
                null,
                null,
                null),
            PARAMS);
    assertThat(r.status()).as("%s: %s", name, r.details()).isEqualTo(RuleStatus.OK);
    assertThat(r.score()).as("%s: %s", name, r.details()).isEqualTo(expected);
  }

  private static String boxed(String answer) {
    return "The final answer is $\\boxed{" + answer + "}$.";
  }

  private static String nested(String open, String core, String close, int depth) {
    return open.repeat(depth) + core + close.repeat(depth);
  }
}
