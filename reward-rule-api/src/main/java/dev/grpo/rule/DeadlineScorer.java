package dev.grpo.rule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs jobs (a rule on one item or on one group of items) in parallel and never waits longer than
 * their time budgets: the one place that decides when a rule's work is given up on.
 *
 * <ul>
 *   <li>A job may run its budget from the moment it starts; past that its items are {@code TIMEOUT}
 *       and its thread is interrupted.
 *   <li>A job that has not started when the batch deadline passes (every worker busy, e.g. with
 *       runaway rules that ignore interrupts) is {@code TIMEOUT} too and never runs. The batch
 *       deadline is what the batch would take if every job used its whole budget: the sum of the
 *       budgets divided by the workers that can run at once, plus the largest budget.
 *   <li>A rule that throws, returns null, or returns the wrong number of results gives {@code
 *       ERROR} with the reason, never a score. A {@link VirtualMachineError} other than a stack
 *       overflow is rethrown on the worker after its items are answered.
 * </ul>
 *
 * <p>Plain Java. Callers split the work into jobs, publish metrics from {@link Done#elapsedNanos}
 * and own the executor, unless they get it from {@link #onPlatformThreads}.
 */
public final class DeadlineScorer implements AutoCloseable {

  private static final AtomicInteger POOLS = new AtomicInteger();

  /**
   * One unit of work.
   *
   * @param rule the rule; its {@link RewardRule#scoreGroup} is called with all the inputs at once
   * @param inputs the items, none null and none without a completion
   * @param budget how long the job may run once started, for all its inputs together
   */
  public record Job(RewardRule rule, List<RuleInput> inputs, Duration budget) {
    public Job {
      Objects.requireNonNull(rule, "rule");
      inputs = List.copyOf(inputs);
      if (budget.isNegative() || budget.isZero()) {
        throw new IllegalArgumentException("the time budget must be positive, got " + budget);
      }
    }
  }

  /**
   * What a job gave.
   *
   * @param results one per input, in order
   * @param elapsedNanos how long it ran (until it finished or was given up on); 0 when it never
   *     started
   */
  public record Done(List<RuleResult> results, long elapsedNanos) {}

  private final Executor executor;
  private final int workers;
  private final ExecutorService owned;

  /**
   * @param executor runs the jobs; the caller shuts it down
   * @param workers how many jobs the executor runs at once, for the batch deadline
   */
  public DeadlineScorer(Executor executor, int workers) {
    this(executor, workers, null);
  }

  private DeadlineScorer(Executor executor, int workers, ExecutorService owned) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    this.executor = Objects.requireNonNull(executor, "executor");
    this.workers = workers;
    this.owned = owned;
  }

  /** A scorer on its own pool of daemon platform threads, named {@code prefix-pool-thread}. */
  public static DeadlineScorer onPlatformThreads(int threads, String prefix) {
    int poolNo = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            task -> {
              Thread t = new Thread(task, prefix + poolNo + "-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    return new DeadlineScorer(pool, threads, pool);
  }

  public int workers() {
    return workers;
  }

  /** Runs the jobs and answers one {@link Done} per job, in order. */
  public List<Done> run(List<Job> jobs) {
    List<DeadlineTask> tasks = new ArrayList<>(jobs.size());
    long budgetSum = 0;
    long maxBudget = 0;
    for (Job job : jobs) {
      DeadlineTask task = new DeadlineTask(job);
      tasks.add(task);
      budgetSum += task.budgetNanos();
      maxBudget = Math.max(maxBudget, task.budgetNanos());
    }
    int atOnce = Math.min(workers, Math.max(1, tasks.size()));
    long batchDeadline = System.nanoTime() + budgetSum / atOnce + maxBudget;
    for (DeadlineTask task : tasks) {
      executor.execute(task);
    }
    List<Done> done = new ArrayList<>(tasks.size());
    for (DeadlineTask task : tasks) {
      List<RuleResult> results = await(task, batchDeadline);
      done.add(new Done(results, task.elapsedNanos()));
    }
    return done;
  }

  private static List<RuleResult> await(DeadlineTask task, long batchDeadline) {
    while (true) {
      if (task.result().isDone()) {
        return task.result().join();
      }
      long now = System.nanoTime();
      long deadline = task.pending() ? batchDeadline : task.startedAt() + task.budgetNanos();
      if (now - deadline >= 0) {
        if (task.abandonIfPending()) {
          return task.all(
              RuleResult.timeout(
                  "not started within the batch's time budget: every rule worker was busy"));
        }
        if (task.abandonIfOverdue()) {
          return task.all(RuleResult.timeout(task.overdueReason()));
        }
        continue; // it just started or just finished: look again
      }
      try {
        return task.result().get(deadline - now, TimeUnit.NANOSECONDS);
      } catch (TimeoutException notYet) {
        // look again: a pending task may have started meanwhile
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        task.abandonIfPending();
        task.abandon();
        return task.all(RuleResult.timeout("the scoring request was interrupted"));
      } catch (ExecutionException impossible) {
        throw new IllegalStateException(impossible.getCause());
      }
    }
  }

  /** Shuts down the pool of {@link #onPlatformThreads}; a runaway rule keeps only its daemon. */
  @Override
  public void close() {
    if (owned != null) {
      owned.shutdownNow();
    }
  }
}
