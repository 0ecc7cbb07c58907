package dev.grpo.trainer.step;

import dev.grpo.ledger.run.RunLeases;
import dev.grpo.ledger.run.RunState;
import dev.grpo.trainer.step.RunExecution.Outcome;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This trainer's hold on one run: whether it still has the lease (the heartbeat reports a lost
 * one), whether the run goes on at a step boundary (paused, cancelled, the trainer shutting down),
 * and the run's writes that the lease fences.
 */
final class RunLease {

  private final UUID runId;
  private final String owner;
  private final RunLeases leases;
  private final AtomicBoolean stopping;
  private final AtomicBoolean lost = new AtomicBoolean();

  RunLease(UUID runId, String owner, RunLeases leases, AtomicBoolean stopping) {
    this.runId = runId;
    this.owner = owner;
    this.leases = leases;
    this.stopping = stopping;
  }

  /** Called by the heartbeat when the lease could not be renewed. */
  void lost() {
    lost.set(true);
  }

  /** False when the lease is gone or the trainer shuts down: stop retrying, stop the step. */
  boolean keepGoing() {
    return !lost.get() && !stopping.get();
  }

  boolean stopping() {
    return stopping.get();
  }

  /** Null to go on; otherwise why the run stops at this boundary. */
  Outcome atBoundary() {
    if (lost.get() || !leases.holds(runId, owner)) {
      return Outcome.LOST;
    }
    return switch (leases.state(runId)) {
      case RUNNING -> stopping.get() ? stopForShutdown() : null;
      case PAUSED -> Outcome.PAUSED;
      case CANCELLED -> Outcome.CANCELLED;
      case QUEUED, SUCCEEDED, FAILED -> Outcome.LOST;
    };
  }

  private Outcome stopForShutdown() {
    // the run stays RUNNING without an owner: the next trainer takes it over at once
    release();
    return Outcome.LOST;
  }

  /** Records the steps done and the policy version held; a lost lease ends the drive. */
  void progress(int step, long policyVersion, String when) {
    if (!leases.progress(runId, owner, step, policyVersion)) {
      throw new LeaseLostException("lost the lease " + when);
    }
  }

  /** Ends the run as {@code SUCCEEDED} or {@code FAILED}; false when it is no longer ours. */
  boolean finish(RunState end, String error) {
    return leases.finish(runId, owner, end, error);
  }

  boolean cancelled() {
    return leases.state(runId) == RunState.CANCELLED;
  }

  /** Gives the lease back. */
  /**
   * How a drive that threw ends: a lost lease leaves the run to the next trainer (at once when this
   * one is shutting down, since it redoes the step anyway); anything else fails the run with its
   * message.
   */
  Outcome endedBy(RuntimeException e, UUID runId, org.slf4j.Logger log) {
    if (e instanceof LeaseLostException) {
      log.warn("run {}: {}", runId, e.getMessage());
      if (stopping()) {
        release();
      }
      return Outcome.LOST;
    }
    log.error("run {} failed", runId, e);
    String error = e.getMessage() == null ? e.toString() : e.getMessage();
    return finish(RunState.FAILED, error) ? Outcome.FAILED : Outcome.LOST;
  }

  void release() {
    leases.release(runId, owner);
  }
}
