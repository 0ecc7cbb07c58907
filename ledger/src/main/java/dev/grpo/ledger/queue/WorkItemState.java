package dev.grpo.ledger.queue;

/** Where a work item stands. */
public enum WorkItemState {
  /** Waiting to be claimed once {@code available_at} has passed. */
  READY,
  /** Held by a worker's lease. */
  CLAIMED,
  DONE,
  /** Failed for good, by the worker's own verdict. */
  FAILED,
  /** Its leases ran out {@code max_attempts} times; an operator must look at it. */
  BLOCKED
}
