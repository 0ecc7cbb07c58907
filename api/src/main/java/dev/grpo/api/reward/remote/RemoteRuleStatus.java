package dev.grpo.api.reward.remote;

/**
 * The status of one result of a remote rule service; only {@link #OK} carries a score. The names
 * are the reward service's rule statuses, so a result passes through unchanged.
 */
public enum RemoteRuleStatus {
  /** The rule produced a score. */
  OK,
  /** The rule does not apply to this item. */
  NOT_APPLICABLE,
  /** The rule ran out of time on this item. */
  TIMEOUT,
  /** The rule failed on this item; {@code details.reason} says how. */
  ERROR,
  /** The item is malformed for this rule, e.g. it has no completion. */
  INVALID_INPUT
}
