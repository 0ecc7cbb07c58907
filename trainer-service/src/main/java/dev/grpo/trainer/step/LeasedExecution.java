package dev.grpo.trainer.step;

import java.util.UUID;

/** A claimed run being driven on this trainer while the heartbeat renews its lease. */
interface LeasedExecution {

  UUID runId();

  /** Called by the heartbeat when the lease could not be renewed. */
  void leaseLost();

  /** Drives the run until it ends, is paused or cancelled, or the lease is lost. */
  RunExecution.Outcome drive();
}
