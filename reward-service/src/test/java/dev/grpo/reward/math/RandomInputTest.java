package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Random LaTeX-ish noise: every call must end with a status, never an exception. */
class RandomInputTest {

  private static final String[] PIECES = {
    "\\frac",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\\{",
    "\\}",
    "^",
    "_",
    "\\sqrt",
    "1",
    "2",
    "0",
    "x",
    "y",
    "e",
    "\\pi",
    "+",
    "-",
    "*",
    "/",
    "=",
    "<",
    "\\le",
    ",",
    ";",
    "!",
    "\\%",
    "\\pm",
    "\\boxed{",
    "$",
    "\\text{",
    "cm",
    " and ",
    "\\sin",
    "\\log_",
    "|",
    "\\begin{pmatrix}",
    "&",
    "\\\\",
    "\\end{pmatrix}",
    ".",
    "1e-",
    "\\infty",
    "\\cup",
    "\\in",
    " ",
    "\\left(",
    "\\right)",
    "\\sum_{k=1}^{",
    "\\binom",
    "\\mathrm{e}",
    "10^{"
  };

  private static String noise(SplittableRandom random) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + random.nextInt(25);
    for (int i = 0; i < n; i++) {
      sb.append(PIECES[random.nextInt(PIECES.length)]);
    }
    return sb.toString();
  }

  @Test
  void noiseNeverEscapesAsAnException() {
    MathVerifier verifier = new MathVerifier();
    SplittableRandom random = new SplittableRandom(20251122);
    int ok = 0;
    for (int i = 0; i < 5_000; i++) {
      String gold = noise(random);
      String prediction = random.nextBoolean() ? "$" + noise(random) + "$" : noise(random);
      VerificationResult r = verifier.verify(gold, prediction);
      assertThat(r.status()).as("%s vs %s", gold, prediction).isNotNull();
      assertThat(r.detail()).doesNotStartWith("internal error");
      if (r.status() == VerificationStatus.OK) {
        ok++;
      }
    }
    assertThat(ok).as("some noise is still valid math").isGreaterThan(100);
  }
}
