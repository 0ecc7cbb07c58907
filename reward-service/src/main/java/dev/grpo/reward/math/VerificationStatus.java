package dev.grpo.reward.math;

/** Whether a verification produced a usable verdict. Only {@link #OK} carries a reward. */
public enum VerificationStatus {
  /** Gold and prediction were compared; see {@link VerificationResult#correct()}. */
  OK,
  /** The gold answer could not be parsed: skip the sample rather than reward 0. */
  NOT_APPLICABLE,
  /** The time budget ran out. */
  TIMEOUT,
  /** The gold answer is beyond the guards (length, nesting, exponent or factorial size). */
  INVALID_INPUT,
  /**
   * The prediction is beyond the guards (length, nesting, number size) or states no single answer:
   * the completion's fault, so it is a wrong answer ({@code correct} is false) and scores the
   * minimum, never a skip.
   */
  PREDICTION_REJECTED
}
