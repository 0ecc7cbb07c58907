package dev.grpo.ledger.reward;

/** The outcome of one rule on one completion. Only {@code OK} carries a score. */
public enum RewardStatus {
  OK,
  NOT_APPLICABLE,
  TIMEOUT,
  ERROR,
  INVALID_INPUT
}
