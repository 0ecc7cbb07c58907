package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Inputs built to hang or exhaust a naive CAS. Each must end with a definite status: a hostile
 * prediction against a sound gold is {@code PREDICTION_REJECTED} (a wrong answer), a hostile gold
 * {@code INVALID_INPUT}.
 */
class HostileInputTest {

  // Guards must fire on their own, not because a loaded CI machine ran out the clock first.
  private final MathVerifier verifier =
      new MathVerifier(VerifierOptions.defaults().withTimeBudget(Duration.ofSeconds(10)));

  private VerificationStatus status(String gold, String prediction) {
    return verifier.verify(gold, prediction).status();
  }

  @Test
  void powerTowerIsRejected() {
    // written identically: the same answer, compared structurally without evaluating it
    VerificationResult same = verifier.verify("10^{10^{10^{10}}}", "$10^{10^{10^{10}}}$");
    assertThat(same.status()).isEqualTo(VerificationStatus.OK);
    assertThat(same.correct()).isTrue();
    assertThat(status("10^{10^{10^{10}}}", "$10^{10^{10^{11}}}$"))
        .isEqualTo(VerificationStatus.INVALID_INPUT);
    assertThat(status("5", "$10^{10^{10^{10}}}$"))
        .isEqualTo(VerificationStatus.PREDICTION_REJECTED);
    assertThat(status("2", "$2^{400!}$")).isEqualTo(VerificationStatus.PREDICTION_REJECTED);
  }

  @Test
  void hugeFactorialsAreRejectedButRealOnesAreComputed() {
    assertThat(status("(400!)!", "$1$")).isEqualTo(VerificationStatus.INVALID_INPUT);
    assertThat(status("1", "$(400!)!$")).isEqualTo(VerificationStatus.PREDICTION_REJECTED);
    assertThat(status("100000!", "$1$")).isEqualTo(VerificationStatus.INVALID_INPUT);
    // 400! itself is an ordinary 2,900-bit integer and a plausible answer.
    VerificationResult r = verifier.verify("400!", "$400 \\cdot 399!$");
    assertThat(r.status()).isEqualTo(VerificationStatus.OK);
    assertThat(r.correct()).isTrue();
    assertThat(verifier.verify("400!", "$401!$").correct()).isFalse();
  }

  @Test
  void hundredKilobyteAnswerIsRejected() {
    String huge = "$" + "1+".repeat(50_000) + "1$";
    assertThat(huge.length()).isGreaterThan(100_000);
    assertThat(status("3", huge)).isEqualTo(VerificationStatus.PREDICTION_REJECTED);
    assertThat(status("1+".repeat(50_000) + "1", "$3$"))
        .isEqualTo(VerificationStatus.INVALID_INPUT);
  }

  @Test
  void hundredKilobyteCompletionWithAnAnswerStillVerifies() {
    String prose = "We keep thinking about the problem. ".repeat(3_000);
    VerificationResult r = verifier.verify("42", prose + "The final answer is $\\boxed{42}$.");
    assertThat(prose.length()).isGreaterThan(100_000);
    assertThat(r.status()).isEqualTo(VerificationStatus.OK);
    assertThat(r.correct()).isTrue();
  }

  @Test
  void inputBeyondTheConfiguredLimitIsRejected() {
    VerifierOptions small = verifier.options().withMaxInputChars(1_000);
    assertThat(verifier.verify("1", "x".repeat(1_001), small).status())
        .isEqualTo(VerificationStatus.PREDICTION_REJECTED);
    assertThat(verifier.verify("x".repeat(1_001), "1", small).status())
        .isEqualTo(VerificationStatus.INVALID_INPUT);
  }

  @Test
  void megabyteInputIsRejectedByDefault() {
    assertThat(status("42", "$1$ ".repeat(250_000)))
        .isEqualTo(VerificationStatus.PREDICTION_REJECTED);
  }

  @Test
  void manyFormulasInALongCompletionStillFindTheBox() {
    // Verdict only: timing on a shared CI machine is not asserted.
    VerifierOptions patient = VerifierOptions.defaults().withTimeBudget(Duration.ofSeconds(10));
    VerificationResult r = verifier.verify("7", "$1$ ".repeat(60_000) + "so $\\boxed{7}$", patient);
    assertThat(r.status()).isEqualTo(VerificationStatus.OK);
    assertThat(r.correct()).isTrue();
  }

  @Test
  void deepNestingIsRejected() {
    String parens = "(".repeat(1_000) + "1" + ")".repeat(1_000);
    assertThat(status("1", "$" + parens + "$")).isEqualTo(VerificationStatus.PREDICTION_REJECTED);
    String fractions = "\\frac{1}{".repeat(300) + "2" + "}".repeat(300);
    assertThat(status(fractions, "$1$")).isEqualTo(VerificationStatus.INVALID_INPUT);
    String powers = "2^{".repeat(300) + "2" + "}".repeat(300);
    assertThat(status("4", "$" + powers + "$")).isEqualTo(VerificationStatus.PREDICTION_REJECTED);
  }

  @Test
  void longSumsAreRejected() {
    assertThat(status("1", "$\\sum_{k=1}^{10^{9}} k$"))
        .isEqualTo(VerificationStatus.PREDICTION_REJECTED);
  }

  @Test
  void plusMinusExplosionIsRejected() {
    assertThat(status("1", "$" + "1 \\pm ".repeat(30) + "1$"))
        .isEqualTo(VerificationStatus.PREDICTION_REJECTED);
  }

  @Test
  void exhaustedBudgetReportsTimeout() {
    VerifierOptions none = VerifierOptions.defaults().withTimeBudget(Duration.ZERO);
    VerificationResult r = verifier.verify("x^2+2x+1", "$(x+1)^2$", none);
    assertThat(r.status()).isEqualTo(VerificationStatus.TIMEOUT);
    assertThat(r.correct()).isFalse();
  }

  @Test
  void expensiveButLegalWorkRunsOutOfATinyBudget() {
    VerifierOptions tiny = VerifierOptions.defaults().withTimeBudget(Duration.ofNanos(1));
    String big = "\\sum_{k=1}^{5000} \\frac{1}{k^{3}}";
    VerificationResult r = verifier.verify(big, "$" + big + "$", tiny);
    assertThat(r.status()).isEqualTo(VerificationStatus.TIMEOUT);
  }

  @Test
  void hugeExactPowersStayBounded() {
    VerificationResult r = verifier.verify("2^{2^{16}}", "$2^{65536}$");
    assertThat(r.status()).isEqualTo(VerificationStatus.OK);
    assertThat(r.correct()).isTrue();
    assertThat(verifier.verify("2^{2^{16}}", "$2^{65537}$").correct()).isFalse();
  }
}
