package dev.grpo.reward.scoring;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.rule.RewardRule;
import dev.grpo.reward.rule.RuleResult;
import dev.grpo.reward.rule.RuleStatus;
import dev.grpo.reward.rule.ScoringInput;
import dev.grpo.reward.scoring.ScoredItem.ScoredRule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scores a batch of items with a list of rules, in parallel on a bounded pool of platform threads
 * (the rules are CPU-bound), and never waits longer than the rules' time budget.
 *
 * <p>Work is split into tasks: one per (rule, item) for item-level rules, one per (rule, group) for
 * group-level rules such as {@code length}, which get the items of one {@code groupId} together
 * (items without a groupId are grouped by prompt; items with neither are alone). A task may run
 * {@code ruleTimeout × its item count} once it has started; past that its items are {@code TIMEOUT}
 * and its thread is interrupted. A task that has not even started when the batch deadline passes
 * (the pool is saturated, e.g. by other requests or by runaway rules) is {@code TIMEOUT} too. The
 * batch deadline is the sum of all task budgets divided by the pool size plus the largest task
 * budget: what the batch would take if every task used its whole budget.
 *
 * <p>Plain Java: the web endpoints, the OpenRLHF endpoint and the offline command share it.
 * Publishes {@code reward.rule.duration} (timer, tag {@code rule}) and {@code reward.rule.results}
 * (counter, tags {@code rule}, {@code status}).
 */
public final class ScoringEngine implements AutoCloseable {

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ThreadPoolExecutor pool;
  private final int parallelism;
  private final Duration ruleTimeout;
  private final MeterRegistry meters;

  public ScoringEngine(int parallelism, Duration ruleTimeout, MeterRegistry meters) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
    if (ruleTimeout.isNegative() || ruleTimeout.isZero()) {
      throw new IllegalArgumentException("ruleTimeout must be positive");
    }
    this.parallelism = parallelism;
    this.ruleTimeout = ruleTimeout;
    this.meters = meters;
    int poolNo = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            parallelism,
            parallelism,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread t =
                  new Thread(task, "reward-rule-" + poolNo + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Whether a rule compares the completions of a group, i.e. overrides {@code scoreGroup}. */
  public static boolean isGroupLevel(RewardRule<?> rule) {
    try {
      return rule.getClass().getMethod("scoreGroup", List.class, Object.class).getDeclaringClass()
          != RewardRule.class;
    } catch (NoSuchMethodException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  public Duration ruleTimeout() {
    return ruleTimeout;
  }

  /** One scored item per input item, in input order, each with one result per rule, in order. */
  public List<ScoredItem> score(List<WeightedRule> rules, List<ScoreRequest.Item> items) {
    List<ScoringInput> inputs = new ArrayList<>(items.size());
    for (ScoreRequest.Item item : items) {
      inputs.add(toInput(item));
    }
    List<List<Integer>> groups = groups(items);
    List<Task> tasks = new ArrayList<>();
    long budgetSum = 0;
    long maxBudget = 0;
    for (int r = 0; r < rules.size(); r++) {
      ConfiguredRule<?> rule = rules.get(r).rule();
      if (isGroupLevel(rule.rule())) {
        for (List<Integer> group : groups) {
          tasks.add(new Task(r, rule, group, inputs));
        }
      } else {
        for (int i = 0; i < items.size(); i++) {
          tasks.add(new Task(r, rule, List.of(i), inputs));
        }
      }
    }
    for (Task task : tasks) {
      budgetSum += task.budgetNanos;
      maxBudget = Math.max(maxBudget, task.budgetNanos);
    }
    long batchDeadline =
        System.nanoTime()
            + budgetSum / Math.min(parallelism, Math.max(1, tasks.size()))
            + maxBudget;
    for (Task task : tasks) {
      pool.execute(task);
    }

    ScoredRule[][] results = new ScoredRule[items.size()][rules.size()];
    // one counter update per (rule, status) and batch, not one meter lookup per item
    Map<String, Map<RuleStatus, Integer>> statusCounts = new HashMap<>();
    for (Task task : tasks) {
      List<RuleResult> taskResults = await(task, batchDeadline);
      String ruleName = task.rule.rule().name();
      long elapsed = task.elapsedNanos();
      if (elapsed > 0) {
        Timer.builder("reward.rule.duration")
            .description("time a reward rule takes on one item or one group of items")
            .tag("rule", ruleName)
            .register(meters)
            .record(elapsed, TimeUnit.NANOSECONDS);
      }
      long perItemMicros = TimeUnit.NANOSECONDS.toMicros(elapsed) / task.itemIndexes.size();
      for (int k = 0; k < task.itemIndexes.size(); k++) {
        RuleResult result = taskResults.get(k);
        statusCounts
            .computeIfAbsent(ruleName, r -> new EnumMap<>(RuleStatus.class))
            .merge(result.status(), 1, Integer::sum);
        results[task.itemIndexes.get(k)][task.ruleIndex] =
            new ScoredRule(rules.get(task.ruleIndex), result, perItemMicros);
      }
    }
    statusCounts.forEach(
        (rule, counts) ->
            counts.forEach(
                (status, n) ->
                    Counter.builder("reward.rule.results")
                        .description("reward rule results by status")
                        .tag("rule", rule)
                        .tag("status", status.name())
                        .register(meters)
                        .increment(n)));
    List<ScoredItem> scored = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      scored.add(new ScoredItem(items.get(i), List.of(results[i])));
    }
    return scored;
  }

  private List<RuleResult> await(Task task, long batchDeadline) {
    while (true) {
      if (task.done.isDone()) {
        return task.done.join();
      }
      long now = System.nanoTime();
      long started = task.startedAt;
      long deadline = task.state.get() == Task.PENDING ? batchDeadline : started + task.budgetNanos;
      if (now - deadline >= 0) {
        if (task.state.compareAndSet(Task.PENDING, Task.ABANDONED)) {
          return task.timeouts(
              "not started within the batch's time budget: all rule workers were busy");
        }
        if (task.state.get() == Task.RUNNING
            && now - (task.startedAt + task.budgetNanos) >= 0
            && task.abandon()) {
          return task.timeouts(
              "took longer than its budget of "
                  + TimeUnit.NANOSECONDS.toMillis(task.budgetNanos)
                  + " ms ("
                  + TimeUnit.NANOSECONDS.toMillis(task.budgetNanos / task.itemIndexes.size())
                  + " ms per item)");
        }
        continue; // it just started or just finished: look again
      }
      try {
        return task.done.get(deadline - now, TimeUnit.NANOSECONDS);
      } catch (TimeoutException notYet) {
        // re-evaluate: a pending task may have started meanwhile
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        task.state.compareAndSet(Task.PENDING, Task.ABANDONED);
        task.abandon();
        return task.timeouts("the scoring request was interrupted");
      } catch (ExecutionException impossible) {
        throw new IllegalStateException(impossible.getCause());
      }
    }
  }

  private static ScoringInput toInput(ScoreRequest.Item item) {
    ScoreRequest.Reference ref = item.reference();
    return new ScoringInput(
        item.id(),
        item.prompt(),
        item.completion(),
        ref == null ? null : new ScoringInput.Reference(ref.answer(), ref.tests(), ref.language()),
        item.completionTokens(),
        item.maxTokens(),
        item.correct());
  }

  /** Item indexes by group, groups in order of first appearance, items in input order. */
  static List<List<Integer>> groups(List<ScoreRequest.Item> items) {
    Map<String, List<Integer>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      ScoreRequest.Item item = items.get(i);
      String key =
          item.groupId() != null
              ? "g\u0000" + item.groupId()
              : item.prompt() != null ? "p\u0000" + item.prompt() : "i\u0000" + i;
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    return List.copyOf(byKey.values());
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  /** One rule on one item or one group. */
  private final class Task implements Runnable {

    static final int PENDING = 0;
    static final int RUNNING = 1;
    static final int FINISHED = 2;
    static final int ABANDONED = 3;

    final int ruleIndex;
    final ConfiguredRule<?> rule;
    final List<Integer> itemIndexes;
    final List<ScoringInput> inputs;
    final long budgetNanos;
    final AtomicInteger state = new AtomicInteger(PENDING);
    final CompletableFuture<List<RuleResult>> done = new CompletableFuture<>();
    volatile long startedAt;
    volatile long finishedAt;
    volatile Thread runner;

    Task(int ruleIndex, ConfiguredRule<?> rule, List<Integer> itemIndexes, List<ScoringInput> all) {
      this.ruleIndex = ruleIndex;
      this.rule = rule;
      this.itemIndexes = itemIndexes;
      List<ScoringInput> mine = new ArrayList<>(itemIndexes.size());
      for (int i : itemIndexes) {
        mine.add(all.get(i));
      }
      this.inputs = mine;
      this.budgetNanos = rule.timeBudget(ruleTimeout).toNanos() * itemIndexes.size();
    }

    @Override
    public void run() {
      startedAt = System.nanoTime();
      if (!state.compareAndSet(PENDING, RUNNING)) {
        return; // given up on before it started
      }
      runner = Thread.currentThread();
      List<RuleResult> results;
      try {
        results = rule.scoreGroup(inputs);
      } catch (RuntimeException failure) {
        // ConfiguredRule already turns a throwing rule into ERROR; this is a broken contract
        results =
            Collections.nCopies(
                inputs.size(),
                RuleResult.error(
                    "rule " + rule.rule().name() + " broke its contract",
                    Map.of("message", String.valueOf(failure.getMessage()))));
      } finally {
        runner = null;
        finishedAt = System.nanoTime();
      }
      if (state.compareAndSet(RUNNING, FINISHED)) {
        done.complete(results);
      }
      Thread.interrupted(); // an abandon() that raced the finish must not leak to the next task
    }

    /** Gives up on a running task; false when it finished first. */
    boolean abandon() {
      if (state.compareAndSet(RUNNING, ABANDONED)) {
        Thread t = runner;
        if (t != null) {
          t.interrupt();
        }
        return true;
      }
      return false;
    }

    long elapsedNanos() {
      long start = startedAt;
      if (start == 0) {
        return 0;
      }
      long end = state.get() == FINISHED ? finishedAt : System.nanoTime();
      return Math.max(0, end - start);
    }

    List<RuleResult> timeouts(String reason) {
      List<RuleResult> out = new ArrayList<>(inputs.size());
      for (ScoringInput ignored : inputs) {
        out.add(new RuleResult(RuleStatus.TIMEOUT, null, Map.of("reason", reason)));
      }
      return out;
    }
  }
}
