package dev.grpo.trainer.step;

import dev.grpo.ledger.run.RunLeases;
import dev.grpo.ledger.run.RunState;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs whose setup failed (the model folder vanished, weights or tokenizer unreadable): the lease
 * is given back so the run is tried again at once, and the run fails with the reason at the last of
 * a bounded number of attempts, instead of staying RUNNING and being re-claimed every lease period
 * forever. The ledger counts the attempts, so the bound holds across trainers and restarts.
 */
final class SetupFailures {

  private static final Logger log = LoggerFactory.getLogger(SetupFailures.class);

  private final RunLeases leases;
  private final String owner;
  private final int maxAttempts;

  SetupFailures(RunLeases leases, String owner, int maxAttempts) {
    this.leases = leases;
    this.owner = owner;
    this.maxAttempts = maxAttempts;
  }

  /**
   * The run was set up: earlier failures were passing ones, and the next bound starts afresh (a run
   * resumed weeks later is not failed by two hiccups of its first start).
   */
  void succeeded(UUID runId) {
    leases.clearSetupFailures(runId, owner);
  }

  /** Records a failed setup of {@code runId}; returns whether the run was failed for good. */
  boolean failed(UUID runId, RuntimeException e) {
    int attempt = leases.recordSetupFailure(runId, owner);
    if (attempt == 0) {
      log.warn(
          "run {} could not be set up and is no longer this trainer's: {}", runId, e.toString());
      return false;
    }
    if (attempt < maxAttempts) {
      log.warn("run {} could not be set up (attempt {}): {}", runId, attempt, e.toString());
      leases.release(runId, owner);
      return false;
    }
    log.error("run {} could not be set up; failing it after {} attempts", runId, attempt, e);
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    leases.finish(
        runId,
        owner,
        RunState.FAILED,
        "the run could not be set up (" + attempt + " attempts): " + reason);
    return true;
  }
}
