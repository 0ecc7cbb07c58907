package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rule.RuleResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every MATH test solution, taken as a model output, must verify against its own boxed answer: once
 * through {@code math_accuracy} (final-answer rules included) and once through the verifier on the
 * whole text. At least 99.5% each; the misses are listed.
 */
class MathSolutionAgreementTest {

  private static final double REQUIRED = 0.995;

  @Test
  void solutionsVerifyAgainstTheirOwnBoxedAnswer() throws IOException {
    Path file = MathSolutions.locate();
    Assumptions.assumeTrue(
        file != null, "skipped: " + MathSolutions.FILE + " not found above the working directory");
    List<MathSolutions.Pair> pairs = MathSolutions.read(file);
    assertThat(pairs).hasSizeGreaterThan(900);

    MathAccuracyRule rule = new MathAccuracyRule();
    MathAccuracyRule.Params params = rule.parseParams(Map.of());
    MathVerifier verifier = new MathVerifier();
    List<String> ruleMisses = new ArrayList<>();
    List<String> verifierMisses = new ArrayList<>();
    for (MathSolutions.Pair p : pairs) {
      RuleResult r = rule.score(p.asRuleInput(), params);
      if (r.score() == null || r.score() != 1.0) {
        ruleMisses.add("line " + p.line() + " gold=" + p.gold() + " " + r.details());
      }
      VerificationResult v = verifier.verify(p.gold(), p.solution());
      if (!v.correct()) {
        verifierMisses.add("line " + p.line() + " gold=" + p.gold() + " " + v);
      }
    }
    double ruleAgreement = 1 - (double) ruleMisses.size() / pairs.size();
    double verifierAgreement = 1 - (double) verifierMisses.size() / pairs.size();
    System.out.printf(
        "MATH solutions: rule %d/%d (%.2f%%), verifier %d/%d (%.2f%%)%n",
        pairs.size() - ruleMisses.size(),
        pairs.size(),
        100 * ruleAgreement,
        pairs.size() - verifierMisses.size(),
        pairs.size(),
        100 * verifierAgreement);
    ruleMisses.forEach(m -> System.out.println("  RULE MISS " + m));
    verifierMisses.forEach(m -> System.out.println("  VERIFIER MISS " + m));
    assertThat(ruleAgreement)
        .as("rule misses:%n%s", String.join("\n", ruleMisses))
        .isGreaterThanOrEqualTo(REQUIRED);
    assertThat(verifierAgreement)
        .as("verifier misses:%n%s", String.join("\n", verifierMisses))
        .isGreaterThanOrEqualTo(REQUIRED);
  }
}
