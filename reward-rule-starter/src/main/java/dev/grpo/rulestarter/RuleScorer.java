package dev.grpo.rulestarter;

import dev.grpo.api.reward.remote.RemoteRuleStatus;
import dev.grpo.api.reward.remote.RemoteScoreRequest;
import dev.grpo.api.reward.remote.RemoteScoreResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.task.VirtualThreadTaskExecutor;
import org.springframework.util.ClassUtils;

/**
 * Runs one {@link RewardRule} over the items of a {@code POST /score} request and answers one
 * result per item, in order, each with an explicit status.
 *
 * <ul>
 *   <li>An item that is null or has no completion is {@code INVALID_INPUT}; the rule never sees it.
 *   <li>An item-level rule (one that does not override {@link RewardRule#scoreGroup}) runs one task
 *       per item, in parallel: on a virtual thread per item when the JVM has them (optionally at
 *       most {@code parallelism} at once), else on a pool of {@code parallelism} platform threads.
 *       A group-level rule runs one task for all valid items.
 *   <li>A task may run its budget (the time budget times its item count) from the moment it starts;
 *       past that its items are {@code TIMEOUT} and its thread is interrupted. A task that has not
 *       started when the batch deadline passes (every worker busy, e.g. with runaway rules) is
 *       {@code TIMEOUT} too. The batch deadline is what the batch would take if every task used its
 *       whole budget: the budget times the number of rounds the workers need, plus one budget.
 *   <li>A rule that throws, returns null, or returns the wrong number of results gives {@code
 *       ERROR} with the reason, never a score.
 * </ul>
 *
 * <p>Publishes {@code reward.rule.duration} (timer, tag {@code rule}: one sample per task) and
 * {@code reward.rule.results} (counter, tags {@code rule}, {@code status}), as the reward service
 * does. Plain Java: Spring only wires it.
 */
public final class RuleScorer implements AutoCloseable {

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final RewardRule rule;
  private final boolean groupLevel;
  private final long budgetNanos;
  private final MeterRegistry meters;
  private final Executor executor;
  private final ExecutorService platformPool;
  private final Semaphore limit;
  private final int workers;
  private final boolean virtual;

  /**
   * @param parallelism items scored at once; 0 means unlimited on virtual threads and one per
   *     available processor on platform threads
   * @param virtualThreads whether to use virtual threads when the JVM has them
   */
  public RuleScorer(
      RewardRule rule,
      Duration timeBudget,
      int parallelism,
      boolean virtualThreads,
      MeterRegistry meters) {
    if (timeBudget.isNegative() || timeBudget.isZero()) {
      throw new IllegalArgumentException("the time budget must be positive");
    }
    if (parallelism < 0) {
      throw new IllegalArgumentException("parallelism must not be negative");
    }
    this.rule = rule;
    this.groupLevel = isGroupLevel(rule);
    this.budgetNanos = timeBudget.toNanos();
    this.meters = meters;
    int processors = Runtime.getRuntime().availableProcessors();
    this.virtual = virtualThreads && virtualThreadsAvailable();
    if (virtual) {
      this.executor = new VirtualThreadTaskExecutor("reward-rule-");
      this.platformPool = null;
      this.limit = parallelism > 0 ? new Semaphore(parallelism) : null;
      // CPU-bound virtual threads share the carrier threads, one per processor
      this.workers = parallelism > 0 ? Math.min(parallelism, processors) : processors;
    } else {
      int threads = parallelism > 0 ? parallelism : processors;
      int poolNo = POOLS.incrementAndGet();
      AtomicInteger count = new AtomicInteger();
      this.platformPool =
          Executors.newFixedThreadPool(
              threads,
              task -> {
                Thread t =
                    new Thread(task, "reward-rule-" + poolNo + "-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      this.executor = platformPool;
      this.limit = null;
      this.workers = threads;
    }
  }

  /** Virtual threads exist from Java 21; this library is built for 17. */
  static boolean virtualThreadsAvailable() {
    return Runtime.version().feature() >= 21;
  }

  /** Whether the rule overrides {@link RewardRule#scoreGroup}, i.e. compares a group's items. */
  static boolean isGroupLevel(RewardRule rule) {
    try {
      return ClassUtils.getUserClass(rule).getMethod("scoreGroup", List.class).getDeclaringClass()
          != RewardRule.class;
    } catch (NoSuchMethodException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  public boolean groupLevel() {
    return groupLevel;
  }

  /** Whether the items run on virtual threads. */
  public boolean virtualThreads() {
    return virtual;
  }

  /** One result per item, in order. */
  public List<RemoteScoreResponse.Result> score(List<RemoteScoreRequest.Item> items) {
    RuleResult[] results = new RuleResult[items.size()];
    List<Integer> valid = new ArrayList<>(items.size());
    List<RuleInput> inputs = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      RemoteScoreRequest.Item item = items.get(i);
      if (item == null) {
        results[i] = RuleResult.invalidInput("item " + i + " is null");
      } else if (item.completion() == null) {
        results[i] = RuleResult.invalidInput("item " + i + " has no completion");
      } else {
        valid.add(i);
        inputs.add(RuleInput.of(item));
      }
    }
    List<Task> tasks = new ArrayList<>();
    if (groupLevel && !valid.isEmpty()) {
      tasks.add(new Task(valid, inputs));
    } else if (!groupLevel) {
      for (int k = 0; k < valid.size(); k++) {
        tasks.add(new Task(List.of(valid.get(k)), List.of(inputs.get(k))));
      }
    }
    long rounds = (tasks.size() + workers - 1) / Math.max(1, workers);
    long maxTask = tasks.stream().mapToLong(t -> t.budgetNanos).max().orElse(0);
    long batchDeadline = System.nanoTime() + maxTask * rounds + maxTask;
    for (Task task : tasks) {
      executor.execute(task);
    }
    Timer timer =
        Timer.builder("reward.rule.duration")
            .description("time a reward rule takes on one item or one group of items")
            .tag("rule", rule.name())
            .register(meters);
    for (Task task : tasks) {
      List<RuleResult> taskResults = await(task, batchDeadline);
      long elapsed = task.elapsedNanos();
      if (elapsed > 0) {
        timer.record(elapsed, TimeUnit.NANOSECONDS);
      }
      for (int k = 0; k < task.indexes.size(); k++) {
        results[task.indexes.get(k)] = taskResults.get(k);
      }
    }
    Map<RemoteRuleStatus, Integer> counts = new EnumMap<>(RemoteRuleStatus.class);
    List<RemoteScoreResponse.Result> out = new ArrayList<>(results.length);
    for (RuleResult result : results) {
      counts.merge(result.status(), 1, Integer::sum);
      out.add(result.toWire());
    }
    counts.forEach(
        (status, n) ->
            Counter.builder("reward.rule.results")
                .description("reward rule results by status")
                .tag("rule", rule.name())
                .tag("status", status.name())
                .register(meters)
                .increment(n));
    return out;
  }

  private List<RuleResult> await(Task task, long batchDeadline) {
    while (true) {
      if (task.done.isDone()) {
        return task.done.join();
      }
      long now = System.nanoTime();
      boolean pending = task.state.get() == Task.PENDING;
      long deadline = pending ? batchDeadline : task.startedAt + task.budgetNanos;
      if (now - deadline >= 0) {
        if (task.state.compareAndSet(Task.PENDING, Task.ABANDONED)) {
          return task.all(
              RuleResult.timeout(
                  "not started within the batch's time budget: every rule worker was busy"));
        }
        if (task.abandonIfOverdue()) {
          return task.all(
              RuleResult.timeout(
                  "rule "
                      + rule.name()
                      + " took longer than its time budget of "
                      + TimeUnit.NANOSECONDS.toMillis(budgetNanos)
                      + " ms per item"));
        }
        continue; // it just started or just finished: look again
      }
      try {
        return task.done.get(deadline - now, TimeUnit.NANOSECONDS);
      } catch (TimeoutException notYet) {
        // look again: a pending task may have started meanwhile
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        task.state.compareAndSet(Task.PENDING, Task.ABANDONED);
        task.abandon();
        return task.all(RuleResult.timeout("the scoring request was interrupted"));
      } catch (ExecutionException impossible) {
        throw new IllegalStateException(impossible.getCause());
      }
    }
  }

  private List<RuleResult> call(List<RuleInput> inputs) {
    if (!groupLevel) {
      RuleResult result = rule.score(inputs.get(0));
      return List.of(result == null ? RuleResult.error("rule returned no result") : result);
    }
    List<RuleResult> results = rule.scoreGroup(List.copyOf(inputs));
    if (results == null || results.size() != inputs.size()) {
      RuleResult wrong =
          RuleResult.error(
              "rule returned "
                  + (results == null ? "no results" : results.size() + " results")
                  + " for "
                  + inputs.size()
                  + " items");
      return nCopies(inputs.size(), wrong);
    }
    List<RuleResult> checked = new ArrayList<>(results.size());
    for (RuleResult r : results) {
      checked.add(r == null ? RuleResult.error("rule returned no result for this item") : r);
    }
    return checked;
  }

  private RuleResult thrown(Throwable failure) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("exception", failure.getClass().getName());
    if (failure.getMessage() != null) {
      details.put("message", failure.getMessage());
    }
    return RuleResult.error(
        "rule "
            + rule.name()
            + " threw "
            + failure.getClass().getSimpleName()
            + (failure.getMessage() == null ? "" : ": " + failure.getMessage()),
        details);
  }

  private static List<RuleResult> nCopies(int n, RuleResult result) {
    return java.util.Collections.nCopies(n, result);
  }

  @Override
  public void close() {
    // virtual threads need no shutdown; a runaway one ends with the JVM
    if (platformPool != null) {
      platformPool.shutdownNow();
    }
  }

  /** The rule on one item, or on every valid item of a group-level rule. */
  private final class Task implements Runnable {

    static final int PENDING = 0;
    static final int RUNNING = 1;
    static final int FINISHED = 2;
    static final int ABANDONED = 3;

    final List<Integer> indexes;
    final List<RuleInput> inputs;
    final long budgetNanos;
    final AtomicInteger state = new AtomicInteger(PENDING);
    final CompletableFuture<List<RuleResult>> done = new CompletableFuture<>();
    volatile long startedAt;
    volatile boolean started;
    volatile long finishedAt;
    private Thread runner; // guarded by this

    Task(List<Integer> indexes, List<RuleInput> inputs) {
      this.indexes = indexes;
      this.inputs = inputs;
      this.budgetNanos = RuleScorer.this.budgetNanos * inputs.size();
    }

    @Override
    public void run() {
      boolean permit = false;
      try {
        if (limit != null) {
          limit.acquire();
          permit = true;
        }
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
          results = call(inputs);
        } catch (Throwable failure) {
          results = nCopies(inputs.size(), thrown(failure));
          // the item is answered either way; a JVM in trouble must still hear about it
          if (failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError)) {
            fatal = failure;
          }
        }
        synchronized (this) {
          finishedAt = System.nanoTime();
          runner = null;
          if (state.compareAndSet(RUNNING, FINISHED)) {
            done.complete(results);
          }
        }
        if (fatal instanceof Error error) {
          throw error;
        }
      } catch (InterruptedException interrupted) {
        // abandoned while waiting for a permit; the awaiting side has answered TIMEOUT
      } finally {
        synchronized (this) {
          runner = null;
        }
        if (permit) {
          limit.release();
        }
        // an interrupt aimed at this task must not reach the next task of a pooled thread
        Thread.interrupted();
      }
    }

    /** Gives up on the task if it has run past its budget; false when it finished first. */
    synchronized boolean abandonIfOverdue() {
      if (state.get() != RUNNING || System.nanoTime() - (startedAt + budgetNanos) < 0) {
        return false;
      }
      return abandon();
    }

    /** Gives up on a running task and interrupts its thread; false when it is not running. */
    synchronized boolean abandon() {
      if (!state.compareAndSet(RUNNING, ABANDONED)) {
        return false;
      }
      if (runner != null) {
        runner.interrupt();
      }
      return true;
    }

    long elapsedNanos() {
      if (!started) {
        return 0;
      }
      long end = state.get() == FINISHED ? finishedAt : System.nanoTime();
      return Math.max(0, end - startedAt);
    }

    List<RuleResult> all(RuleResult result) {
      return nCopies(inputs.size(), result);
    }
  }
}
