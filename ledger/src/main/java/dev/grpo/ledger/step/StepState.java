package dev.grpo.ledger.step;

/**
 * Where a step is: the phases of ARCHITECTURE §3 in order, then how it ended. A failed step is
 * retried and its row rewritten.
 */
public enum StepState {
  ROLLOUT,
  SCORING,
  TRAINING,
  SYNCING,
  DONE,
  FAILED;

  public boolean isFinished() {
    return this == DONE || this == FAILED;
  }
}
