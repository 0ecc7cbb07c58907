package dev.grpo.rulestarter;

import dev.grpo.api.reward.remote.RemoteScoreRequest;
import dev.grpo.api.reward.remote.RemoteScoreResponse;
import dev.grpo.rule.DeadlineScorer;
import dev.grpo.rule.DeadlineScorer.Done;
import dev.grpo.rule.DeadlineScorer.Job;
import dev.grpo.rule.RewardRule;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.core.task.VirtualThreadTaskExecutor;

/**
 * Runs one {@link RewardRule} over the items of a {@code POST /score} request and answers one
 * result per item, in order, each with an explicit status.
 *
 * <ul>
 *   <li>An item that is null or has no completion is {@code INVALID_INPUT}; the rule never sees it.
 *   <li>An item-level rule (one that does not override {@link RewardRule#scoreGroup}) runs one job
 *       per item, in parallel: on a virtual thread per item when the JVM has them (optionally at
 *       most {@code parallelism} at once), else on a pool of {@code parallelism} platform threads.
 *       A group-level rule runs one job for all valid items.
 *   <li>Budgets, timeouts and contract checks are the {@link DeadlineScorer}'s: a job may run the
 *       time budget times its item count, then its items are {@code TIMEOUT}.
 * </ul>
 *
 * <p>Publishes {@code reward.rule.duration} (timer, tag {@code rule}: one sample per job) and
 * {@code reward.rule.results} (counter, tags {@code rule}, {@code status}), as the reward service
 * does. Plain Java: Spring only wires it.
 */
public final class RuleScorer implements AutoCloseable {

  private final RewardRule rule;
  private final boolean groupLevel;
  private final Duration timeBudget;
  private final MeterRegistry meters;
  private final DeadlineScorer scorer;
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
    this.groupLevel = RewardRule.isGroupLevel(rule);
    this.timeBudget = timeBudget;
    this.meters = meters;
    int processors = Runtime.getRuntime().availableProcessors();
    this.virtual = virtualThreads && virtualThreadsAvailable();
    if (virtual) {
      Executor threads = new VirtualThreadTaskExecutor("reward-rule-");
      // CPU-bound virtual threads share the carrier threads, one per processor
      this.scorer =
          parallelism > 0
              ? new DeadlineScorer(limited(threads, parallelism), Math.min(parallelism, processors))
              : new DeadlineScorer(threads, processors);
    } else {
      this.scorer =
          DeadlineScorer.onPlatformThreads(
              parallelism > 0 ? parallelism : processors, "reward-rule-");
    }
  }

  /**
   * Runs at most {@code permits} tasks at once, in the order they were submitted: each submission
   * queues its task and starts a thread that, once it holds a permit, runs the oldest queued task
   * (not necessarily its own), so which thread reaches the permit first does not reorder the work.
   */
  private static Executor limited(Executor threads, int permits) {
    Semaphore limit = new Semaphore(permits, true);
    Queue<Runnable> queued = new ConcurrentLinkedQueue<>();
    return task -> {
      queued.add(task);
      threads.execute(
          () -> {
            try {
              limit.acquire();
            } catch (InterruptedException interrupted) {
              return; // the awaiting side answers TIMEOUT
            }
            try {
              Runnable oldest = queued.poll();
              if (oldest != null) {
                oldest.run();
              }
            } finally {
              limit.release();
            }
          });
    };
  }

  /** Virtual threads exist from Java 21; this library is built for 17. */
  static boolean virtualThreadsAvailable() {
    return Runtime.version().feature() >= 21;
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
        inputs.add(input(item));
      }
    }
    List<List<Integer>> jobIndexes = new ArrayList<>();
    List<Job> jobs = new ArrayList<>();
    if (groupLevel && !valid.isEmpty()) {
      jobIndexes.add(valid);
      jobs.add(new Job(rule, inputs, timeBudget.multipliedBy(inputs.size())));
    } else if (!groupLevel) {
      for (int k = 0; k < valid.size(); k++) {
        jobIndexes.add(List.of(valid.get(k)));
        jobs.add(new Job(rule, List.of(inputs.get(k)), timeBudget));
      }
    }
    List<Done> done = scorer.run(jobs);
    Timer timer =
        Timer.builder("reward.rule.duration")
            .description("time a reward rule takes on one item or one group of items")
            .tag("rule", rule.name())
            .register(meters);
    for (int j = 0; j < done.size(); j++) {
      if (done.get(j).elapsedNanos() > 0) {
        timer.record(done.get(j).elapsedNanos(), TimeUnit.NANOSECONDS);
      }
      List<Integer> indexes = jobIndexes.get(j);
      for (int k = 0; k < indexes.size(); k++) {
        results[indexes.get(k)] = done.get(j).results().get(k);
      }
    }
    return toWire(results);
  }

  private List<RemoteScoreResponse.Result> toWire(RuleResult[] results) {
    Map<RuleStatus, Integer> counts = new EnumMap<>(RuleStatus.class);
    List<RemoteScoreResponse.Result> out = new ArrayList<>(results.length);
    for (RuleResult result : results) {
      counts.merge(result.status(), 1, Integer::sum);
      out.add(RemoteScoreResponse.Result.of(result));
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

  private static RuleInput input(RemoteScoreRequest.Item item) {
    RemoteScoreRequest.Reference ref = item.reference();
    return new RuleInput(
        item.id(),
        item.prompt(),
        item.completion(),
        ref == null ? null : new RuleInput.Reference(ref.answer(), ref.tests(), ref.language()),
        null,
        null,
        null);
  }

  @Override
  public void close() {
    // virtual threads need no shutdown; a runaway one ends with the JVM
    scorer.close();
  }
}
