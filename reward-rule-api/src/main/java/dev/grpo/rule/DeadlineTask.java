package dev.grpo.rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One job of a {@link DeadlineScorer} and its state machine: PENDING → RUNNING → FINISHED, or
 * PENDING/RUNNING → ABANDONED when the awaiting side gives up. Exactly one side wins each
 * transition, so a job is answered either with the rule's results or with TIMEOUT, never both, and
 * an abandoned pending job never starts.
 */
final class DeadlineTask implements Runnable {

  private static final int PENDING = 0;
  private static final int RUNNING = 1;
  private static final int FINISHED = 2;
  private static final int ABANDONED = 3;

  private final DeadlineScorer.Job job;
  private final long budgetNanos;
  private final AtomicInteger state = new AtomicInteger(PENDING);
  private final CompletableFuture<List<RuleResult>> result = new CompletableFuture<>();
  private volatile long startedAt;
  private volatile boolean started;
  private volatile long finishedAt;
  private Thread runner; // guarded by this

  DeadlineTask(DeadlineScorer.Job job) {
    this.job = job;
    this.budgetNanos = job.budget().toNanos();
  }

  long budgetNanos() {
    return budgetNanos;
  }

  long startedAt() {
    return startedAt;
  }

  boolean pending() {
    return state.get() == PENDING;
  }

  CompletableFuture<List<RuleResult>> result() {
    return result;
  }

  @Override
  public void run() {
    try {
      synchronized (this) {
        startedAt = System.nanoTime();
        if (!state.compareAndSet(PENDING, RUNNING)) {
          return; // given up on before it started
        }
        started = true;
        runner = Thread.currentThread();
      }
      List<RuleResult> results;
      Throwable fatal = null;
      try {
        results = call();
      } catch (Throwable failure) {
        results = all(RuleResult.thrown(job.rule().name(), failure));
        // the items are answered either way; a JVM in trouble must still hear about it
        if (failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError)) {
          fatal = failure;
        }
      }
      synchronized (this) {
        finishedAt = System.nanoTime();
        runner = null;
        if (state.compareAndSet(RUNNING, FINISHED)) {
          result.complete(results);
        }
      }
      if (fatal instanceof Error error) {
        throw error;
      }
    } finally {
      synchronized (this) {
        runner = null;
      }
      // an interrupt aimed at this job must not reach the next task of a pooled thread
      Thread.interrupted();
    }
  }

  private List<RuleResult> call() {
    List<RuleInput> inputs = job.inputs();
    List<RuleResult> results = job.rule().scoreGroup(inputs);
    if (results == null || results.size() != inputs.size()) {
      return all(
          RuleResult.error(
              "rule returned "
                  + (results == null ? "no results" : results.size() + " results")
                  + " for "
                  + inputs.size()
                  + " items"));
    }
    List<RuleResult> checked = new ArrayList<>(results.size());
    for (RuleResult r : results) {
      checked.add(r == null ? RuleResult.error("rule returned no result") : r);
    }
    return checked;
  }

  /** Gives up on the job before it started; false when it already has. */
  boolean abandonIfPending() {
    return state.compareAndSet(PENDING, ABANDONED);
  }

  /** Gives up on the job if it has run past its budget; false when it finished first. */
  synchronized boolean abandonIfOverdue() {
    if (state.get() != RUNNING || System.nanoTime() - (startedAt + budgetNanos) < 0) {
      return false;
    }
    return abandon();
  }

  /** Gives up on a running job and interrupts its thread; false when it is not running. */
  synchronized boolean abandon() {
    if (!state.compareAndSet(RUNNING, ABANDONED)) {
      return false;
    }
    if (runner != null) {
      runner.interrupt();
    }
    return true;
  }

  String overdueReason() {
    long perItem = budgetNanos / Math.max(1, job.inputs().size());
    return "rule "
        + job.rule().name()
        + " took longer than its time budget of "
        + TimeUnit.NANOSECONDS.toMillis(perItem)
        + " ms per item";
  }

  long elapsedNanos() {
    if (!started) {
      return 0;
    }
    long end = state.get() == FINISHED ? finishedAt : System.nanoTime();
    return Math.max(0, end - startedAt);
  }

  List<RuleResult> all(RuleResult one) {
    return Collections.nCopies(job.inputs().size(), one);
  }
}
