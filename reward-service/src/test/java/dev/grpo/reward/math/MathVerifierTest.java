package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MathVerifierTest {

  // Generous budget: these tests are about verdicts; budgets are tested in HostileInputTest.
  private final MathVerifier verifier =
      new MathVerifier(VerifierOptions.defaults().withTimeBudget(java.time.Duration.ofSeconds(5)));

  private boolean same(String gold, String prediction) {
    VerificationResult r = verifier.verify(gold, prediction);
    assertThat(r.status())
        .as("status for %s vs %s: %s", gold, prediction, r)
        .isEqualTo(VerificationStatus.OK);
    return r.correct();
  }

  @ParameterizedTest(name = "{0} == {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "\\frac{1}{2}        | $0.5$",
        "\\frac{1}{2}        | $\\dfrac12$",
        "\\frac{1}{2}        | $\\tfrac{1}{2}$",
        "\\frac{1}{2}        | 1/2",
        "\\frac{1}{3}        | $0.333333$",
        "10                  | $10.0$",
        "1000                | $1,000$",
        "1000                | The answer is 1 000.",
        "\\sqrt{2}           | $2^{1/2}$",
        "\\sqrt{2}           | $\\frac{2}{\\sqrt{2}}$",
        "\\sqrt[3]{8}        | $2$",
        "x^2+2x+1            | $(x+1)^2$",
        "\\{1,2\\}           | $\\{2,1\\}$",
        "{1,2}               | ${2,1}$",
        "3                   | $x=3$",
        "\\text{(A)}         | A",
        "10\\text{ cm}       | $10$",
        "90^\\circ           | $90$",
        "50\\%               | $\\frac{1}{2}$",
        "50\\%               | $50\\%$",
        "\\pi/2              | $\\frac{\\pi}{2}$",
        "2\\pi               | $\\pi \\cdot 2$",
        "\\frac{\\sqrt{3}}{2} | $\\frac{1}{2}\\sqrt{3}$",
        "e^2                 | $\\exp(2)$",
        "\\ln 8              | $3\\ln 2$",
        "\\log_2 8           | $3$",
        "\\sin^2 x + \\cos^2 x | $1$",
        "5!                  | $120$",
        "\\binom{5}{2}       | $10$",
        "\\dbinom{n}{2}      | $\\frac{n(n-1)}{2}$",
        "1.5\\times 10^{-7}  | $1.5e-7$",
        "2\\frac{1}{2}       | $\\frac{5}{2}$",
        "12345.5             | $12{,}345.5$",
        "[1,2)               | $[1,2)$",
        "(1,2)               | $(1, 2)$",
        "(-\\infty, 3]       | $(-\\infty,3]$",
        "(0,1) \\cup (2,3)   | $(2,3)\\cup(0,1)$",
        "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix} | $\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}$",
        "x \\le 2            | $2 \\ge x$",
        "y = 2x + 1          | $2x - y + 1 = 0$",
        "\\pm 2              | $2, -2$",
        "1 \\pm \\sqrt{2}    | $\\{1-\\sqrt2, 1+\\sqrt2\\}$",
        "3, 5                | \\boxed{3} and \\boxed{5}",
        "\\text{Evelyn}      | $\\boxed{\\text{Evelyn}}$",
        "\\left( \\frac{1}{2}, 3 \\right) | $(0.5, 3)$",
        "10^{100}            | $10^{100}$",
        "\\frac{1}{2^{99}}   | $2^{-99}$",
        "\\frac{1}{2004!}    | $\\frac{1}{2004!}$",
        "400!                | $400 \\cdot 399!$",
        "i                   | $i$",
        "\\sum_{k=1}^{n} k    | $\\frac{n(n+1)}{2}$",
        "\\binom{n}{k}        | $\\frac{n!}{k!(n-k)!}$",
        "\\{1\\} \\cup \\{2\\} | $\\{2, 1\\}$",
        "\\cos(\\pi/3)       | $\\frac12$",
        "x > 0               | $(0, \\infty)$",
        "\\frac{31}{22}       | $1.4\\overline{09}$",
        "3 \\text{ cm}        | $3~\\text{cm}$",
      })
  void acceptsEquivalentAnswers(String gold, String prediction) {
    assertThat(same(gold, prediction)).isTrue();
  }

  @ParameterizedTest(name = "{0} != {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "\\frac{1}{3}        | $0.333$",
        "50                  | $0.5$",
        "\\pi/2              | $1.5708$",
        "5                   | $5.00001$",
        "100000              | $100001$",
        "4                   | $4\\sqrt{2}$",
        "(1,2)               | $(2,1)$",
        "[1,2)               | $[1,2]$",
        "[0,1)               | $[0,1]$",
        "\\{1,2\\}           | $\\{1,2,3\\}$",
        "x \\ge 5            | $x \\le 5$",
        "x < 1               | $x \\le 1$",
        "2x+z=1              | $1$",
        "x^2+2x+1            | $(x-1)^2$",
        "\\sqrt{2}           | $1.41$",
        "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix} | $\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}$",
        "\\text{Evelyn}      | $\\text{Briana}$",
        "3                   | no number here",
        "0.0000001           | $0.0000002$",
        "1e-7                | $2e-7$",
        "45^\\circ           | $\\frac{\\pi}{4}$",
        "\\sum_{k=1}^{n} k    | $\\frac{n(n-1)}{2}$",
        "-\\infty             | $\\infty$",
        "(0, \\infty)         | $x > 0$",
        "\\frac{1}{3}         | $0.\\overline{4}$",
      })
  void rejectsDifferentAnswers(String gold, String prediction) {
    assertThat(same(gold, prediction)).isFalse();
  }

  @Test
  void percentGoldAcceptsTheFractionOrTheNumberOfPercent() {
    assertThat(same("50\\%", "$\\frac{1}{2}$")).isTrue();
    assertThat(same("50\\%", "$50$")).isTrue();
    assertThat(same("28\\%", "28 percent")).isTrue();
    assertThat(same("50", "$50\\%$")).isFalse();
    assertThat(same("0.28", "28")).isFalse();
  }

  @Test
  void matrixArithmeticReducesToOneMatrix() {
    String sum =
        "$\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}$";
    assertThat(same("\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}", sum)).isTrue();
    assertThat(same("\\begin{pmatrix}6 & 8 \\\\ 10 & 13\\end{pmatrix}", sum)).isFalse();
    String product =
        "$\\begin{pmatrix}1 & 1 \\\\ 0 & 1\\end{pmatrix} \\begin{pmatrix}1 & 2 \\\\ 0 & 1\\end{pmatrix}$";
    assertThat(same("\\begin{pmatrix}1 & 3 \\\\ 0 & 1\\end{pmatrix}", product)).isTrue();
  }

  @Test
  void baseSubscriptNumeralsAreTheirValue() {
    assertThat(same("204_5", "$\\boxed{54}$")).isTrue();
    assertThat(same("$1112112_3$", "$\\boxed{1112122_3}$")).isFalse();
  }

  @Test
  void approximationsAndEqualityChains() {
    assertThat(same("$11$", "$x\\approx11$")).isTrue();
    assertThat(same("$1/3$", "$x=1/3\\approx1.3$")).isTrue();
    assertThat(same("$1 = \\zzz = x = 0$", "$0$")).isTrue();
  }

  @Test
  void identicalUnparseableAnswersMatchButOtherwiseGoldIsNotApplicable() {
    assertThat(verifier.verify("$\\weird{1}$", "so $\\weird{1}$").correct()).isTrue();
    assertThat(verifier.verify("$\\weird{1}$", "so $\\weird{2}$").status())
        .isEqualTo(VerificationStatus.NOT_APPLICABLE);
  }

  @Test
  void plainTextMixedNumbers() {
    assertThat(same("40/9", "The answer is 4 4/9.")).isTrue();
    assertThat(same("4", "The answer is 4 4/9.")).isFalse();
    assertThat(same("-40/9", "-4 4/9")).isTrue();
    assertThat(same("103/9", "11 + 4/9")).isTrue();
    assertThat(same("4/9", "There are 4 objects and 4/9 remain.")).isTrue();
  }

  @Test
  void listFunctionsAndDecoratedNames() {
    assertThat(same("\\max(3, 5)", "$5$")).isTrue();
    assertThat(same("\\gcd(12, 18)", "$6$")).isTrue();
    assertThat(same("\\operatorname{lcm}(4, 6)", "$12$")).isTrue();
    assertThat(same("\\min(3, 5)", "$5$")).isFalse();
    assertThat(same("$\\overrightarrow{a} = (1, 2)$", "$\\boxed{(1,2)}$")).isTrue();
  }

  @Test
  void imaginaryUnit() {
    assertThat(same("-1", "$i^2$")).isTrue();
    assertThat(same("2i", "$(1+i)^2$")).isTrue();
    assertThat(same("\\frac{1-i}{2}", "$\\frac{1}{1+i}$")).isTrue();
    assertThat(same("i", "$\\sqrt{-1}$")).isTrue();
    assertThat(same("-1", "$e^{i\\pi}$")).isTrue();
    assertThat(same("3+4i", "$3-4i$")).isFalse();
    assertThat(same("1", "$i$")).isFalse();
  }

  @Test
  void ellipsisIsNotSentencePunctuation() {
    assertThat(same("$1, 2, 3$", "$1, 2, 3, ...$")).isFalse();
    assertThat(same("$1, 2, 3$", "$1, 2, 3.$")).isTrue();
  }

  @Test
  void knownMathVerifyFalsePositivesAreRejected() {
    assertThat(same("\\frac{1}{2004!}", "$\\frac{1}{2006!}$")).isFalse();
    assertThat(same("\\frac{1}{2^{99}}", "$\\frac{1}{2^{98}}$")).isFalse();
    assertThat(same("$$x+z=1$$", "$$1$$")).isFalse();
    assertThat(same("$1 - \\frac{1}{\\mathrm{e}}$", "$1 + \\frac{1}{\\mathrm{e}}$")).isFalse();
  }

  @Test
  void tinyIrrationalDifferencesAreNotChoppedToZero() {
    assertThat(same("\\frac{\\sqrt{2}}{2004!}", "$\\frac{\\sqrt{2}}{2006!}$")).isFalse();
    assertThat(same("\\frac{\\pi}{10^{40}}", "$\\frac{\\pi}{10^{41}}$")).isFalse();
    assertThat(same("\\frac{\\sqrt{2}}{2004!}", "$\\frac{2}{\\sqrt{2}\\cdot 2004!}$")).isTrue();
  }

  @Test
  void scientificNotationIsOneNumberNotEulerMinusSeven() {
    assertThat(same("0.0000001", "$1e-7$")).isTrue();
    assertThat(same("e-7", "$1e-7$")).isFalse();
    assertThat(same("10^{-7}", "$1E-7$")).isTrue();
  }

  @Test
  void mathrmEIsEulersNumberNotAUnit() {
    assertThat(same("$1 - \\frac{1}{\\mathrm{e}}$", "$1 - e^{-1}$")).isTrue();
    assertThat(same("$\\mathrm{e}^2$", "$e^2$")).isTrue();
    assertThat(same("$2\\,\\mathrm{e}$", "$2$")).isFalse();
    // A spaced single letter is a unit, as in "6 \mathrm{~m}^{2}".
    assertThat(same("$6 \\mathrm{~m}^{2}$", "$\\boxed{6}$")).isTrue();
  }

  @Test
  void predictionMustNotWinByEchoingAnInequalityWhenGoldIsAnInterval() {
    assertThat(same("$x \\in [-2,7]$", "$-2 \\le x \\le 7$")).isFalse();
    assertThat(same("$-2 \\le x \\le 7$", "$x \\in [-2,7]$")).isTrue();
    VerifierOptions lenient = verifier.options().withAllowSetRelationComparison(true);
    assertThat(verifier.verify("$x \\in [-2,7]$", "$-2 \\le x \\le 7$", lenient).correct())
        .isTrue();
  }

  @Test
  void floatRoundingIsConfigurable() {
    assertThat(same("\\frac{1}{3}", "$0.333$")).isFalse();
    VerifierOptions coarse = verifier.options().withFloatRounding(3);
    assertThat(verifier.verify("\\frac{1}{3}", "$0.333$", coarse).correct()).isTrue();
  }

  @Test
  void nonStrictModeRenamesVariables() {
    assertThat(same("$f(x) = x^2$", "$f(y) = y^2$")).isFalse();
    VerifierOptions loose = verifier.options().withStrict(false);
    assertThat(verifier.verify("$x^2 + 1$", "$y^2 + 1$", loose).correct()).isTrue();
  }

  @Test
  void lastBoxedAnswerWinsOverEarlierDrafts() {
    String drafts =
        "First \\boxed{5}. That fails the check so we redo the whole computation from the very"
            + " start. We get \\boxed{6}";
    assertThat(same("6", drafts)).isTrue();
    assertThat(same("5", drafts)).isFalse();
    // Boxes in one list ("\boxed{5} and \boxed{6}") form one answer, as in Math-Verify.
    assertThat(same("6", "\\boxed{5} and \\boxed{6}")).isFalse();
    assertThat(same("\\{5, 6\\}", "\\boxed{5} and \\boxed{6}")).isTrue();
  }

  @Test
  void absoluteValueBars() {
    assertThat(same("|x-1|", "$|1-x|$")).isTrue();
    assertThat(same("|x-1|", "$\\left|x+1\\right|$")).isFalse();
    assertThat(same("\\lvert -3 \\rvert", "$3$")).isTrue();
  }

  @Test
  void bareGoldAnswersParse() {
    VerificationResult r = verifier.verify("\\sqrt{3}", "so it is $\\boxed{\\sqrt 3}$");
    assertThat(r.status()).isEqualTo(VerificationStatus.OK);
    assertThat(r.correct()).isTrue();
    VerificationResult pct = verifier.verify("50\\%", "$\\boxed{0.5}$");
    assertThat(pct.correct()).isTrue();
    assertThat(pct.gold()).isEqualTo("50*1/100");
  }

  @Test
  void unparseableGoldIsNotApplicableNotZero() {
    VerificationResult r = verifier.verify("\\unknowncommand{??}", "$3$");
    assertThat(r.status()).isEqualTo(VerificationStatus.NOT_APPLICABLE);
    assertThat(r.correct()).isFalse();
    assertThat(verifier.verify("", "$3$").status()).isEqualTo(VerificationStatus.NOT_APPLICABLE);
  }

  @Test
  void resultCarriesCanonicalForms() {
    VerificationResult r = verifier.verify("$\\frac{2}{4}$", "The answer is $\\boxed{0.5}$.");
    assertThat(r.correct()).isTrue();
    assertThat(r.score()).isEqualTo(1.0);
    assertThat(r.gold()).isEqualTo("2/4");
    assertThat(r.prediction()).isEqualTo("0.5");
  }

  @Test
  void multipleChoiceLetters() {
    assertThat(same("B", "Comparing all options, the answer is (B).")).isTrue();
    assertThat(same("(C)", "The answer is $\\boxed{\\text{(D)}}$")).isFalse();
    assertThat(same("\\text{(A)}", "$\\boxed{A}$")).isTrue();
    assertThat(same("C", "The correct option is **C**.")).isTrue();
    // Boxing every option, or the article "a", must not count as choosing.
    assertThat(same("C", "\\boxed{A, B, C}")).isFalse();
    assertThat(same("A", "The answer is a prime number, 7.")).isFalse();
  }

  @Test
  void plainTextAnswers() {
    assertThat(same("\\text{Even}", "$Even$")).isTrue();
    assertThat(same("\\text{odd}", "$\\boxed{\\text{Even}}$")).isFalse();
  }

  @Test
  void equationsCompareUpToAConstantFactor() {
    assertThat(same("$34x+45y-20z+100=0$", "$-34x-45y+20z-100=0$")).isTrue();
    assertThat(same("$x^2/4 + y^2/3 = 1$", "$x^2/16 + y^2/12 = 1/4$")).isTrue();
    assertThat(same("$x + y = 1$", "$x + y = 2$")).isFalse();
  }

  @Test
  void relationsMatchTheSetsTheyDescribeWhenAllowed() {
    VerifierOptions sets = VerifierOptions.defaults().withAllowSetRelationComparison(true);
    MathVerifier v = new MathVerifier(sets);
    assertThat(v.verify("(-\\infty,-2)\\cup(2,\\infty)", "$|z|>2$").correct()).isTrue();
    assertThat(v.verify("(-\\infty,-2]\\cup[2,\\infty)", "$|z|>2$").correct()).isFalse();
    assertThat(v.verify("[-3,3]", "$|x| \\le 3$").correct()).isTrue();
    assertThat(v.verify("(-3,3)", "$|x| \\le 3$").correct()).isFalse();
    assertThat(v.verify("(1,3)", "$1<x<3$").correct()).isTrue();
    assertThat(v.verify("(1,3]", "$1<x<3$").correct()).isFalse();
    // a relation gold accepts the set it describes, whatever the option
    assertThat(new MathVerifier().verify("|z|>2", "$(-\\infty,-2)\\cup(2,\\infty)$").correct())
        .isTrue();
  }
}
