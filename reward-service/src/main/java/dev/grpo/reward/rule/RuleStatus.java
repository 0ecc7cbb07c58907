package dev.grpo.reward.rule;

/** Outcome of scoring one completion with one rule; only {@link #OK} carries a score. */
public enum RuleStatus {
  /** The rule produced a score. */
  OK,
  /** The rule does not apply to this item, e.g. the target language or correctness is unknown. */
  NOT_APPLICABLE,
  /** The rule ran out of time (sandboxes, slow verifiers). */
  TIMEOUT,
  /** The rule itself failed; details name the failure. */
  ERROR,
  /** The item is malformed for this rule, e.g. a missing completion or a negative token count. */
  INVALID_INPUT
}
