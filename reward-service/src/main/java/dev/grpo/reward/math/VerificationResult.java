package dev.grpo.reward.math;

/**
 * Outcome of one verification.
 *
 * @param status whether {@code correct} means anything
 * @param correct prediction equivalent to gold (false unless status is OK)
 * @param gold canonical form of the extracted gold answer, or null
 * @param prediction canonical form of the extracted prediction, or null
 * @param detail short human-readable reason
 */
public record VerificationResult(
    VerificationStatus status, boolean correct, String gold, String prediction, String detail) {

  /** 1.0 for a correct answer, 0.0 otherwise (including non-OK statuses). */
  public double score() {
    return correct ? 1.0 : 0.0;
  }
}
