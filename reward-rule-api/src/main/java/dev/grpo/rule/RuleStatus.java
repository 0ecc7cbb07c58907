package dev.grpo.rule;

/**
 * The outcome of one rule on one completion, from the rule through the wire to the ledger's {@code
 * reward.status} column (the names are the stored and the JSON values). Only {@link #OK} carries a
 * score; {@link #checkScore} is the one place that says so.
 */
public enum RuleStatus {
  /** The rule produced a score. */
  OK,
  /** The rule does not apply to this item, e.g. the target language or correctness is unknown. */
  NOT_APPLICABLE,
  /** The rule ran out of time (sandboxes, slow verifiers, remote calls). */
  TIMEOUT,
  /** The rule itself failed; details name the failure. */
  ERROR,
  /** The item is malformed for this rule, e.g. a missing completion or a negative token count. */
  INVALID_INPUT;

  /**
   * Checks that a score goes with this status: an OK needs a finite score, any other status none.
   * So a failure can never travel, or be stored, as a 0.
   *
   * @return the score, unchanged
   * @throws IllegalArgumentException when the score does not go with the status
   */
  public Double checkScore(Double score) {
    if (this == OK) {
      if (score == null || !Double.isFinite(score)) {
        throw new IllegalArgumentException("an OK result needs a finite score, got " + score);
      }
    } else if (score != null) {
      throw new IllegalArgumentException("only an OK result carries a score, got " + this);
    }
    return score;
  }
}
