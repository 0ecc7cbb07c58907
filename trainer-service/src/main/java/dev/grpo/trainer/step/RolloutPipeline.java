package dev.grpo.trainer.step;

import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.train.TrainingState;
import dev.grpo.web.Correlation;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The samples of each step, taken in step order. With {@code rollout.maxStaleness} s = 0 a step is
 * sampled when it is taken (the synchronous loop). With s &gt; 0, taking step t (whose policy,
 * version t + 1, is published) starts the sampling of steps t + 1 … t + s on one background thread,
 * each with the weights the rollout backend holds by then and no older than version u + 1 − s for
 * step u, so they run while step t (and those after it) train.
 *
 * <p>Nothing sampled ahead is written by the trainer: the rollout service keeps every completion it
 * generated under (run, step, item, sample), so a trainer that dies, or a step that is retried,
 * takes the same samples again when it asks for them again, and a pause simply drops what was
 * ahead. A step whose samples failed (a reward rule, the rollout service) throws on {@link #take},
 * and everything sampled after it is dropped with it: the steps after depend on its data cursor.
 */
final class RolloutPipeline implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RolloutPipeline.class);

  /** A step's samples and the state (data cursor, seed) they were drawn from. */
  private record Sampled(TrainingState from, SampledGroups groups) {}

  private final UUID runId;
  private final DynamicSampling sampling;
  private final int maxStaleness;
  private final int steps;
  private final ExecutorService sampler;

  /** The steps sampled ahead, by step, each chained on the one before (its data cursor). */
  private final Map<Integer, CompletableFuture<Sampled>> ahead = new TreeMap<>();

  private final long createdNanos = System.nanoTime();
  private long waitedNanos;
  private final AtomicLong samplingNanos = new AtomicLong();

  /**
   * How long the trainer waited for samples and the sampler worked, since the pipeline began.
   *
   * @param trainerIdleRatio the share of the wall time the trainer spent waiting for samples
   * @param rolloutIdleRatio the share of the wall time no rollout was being sampled or scored
   */
  record Utilisation(double trainerIdleRatio, double rolloutIdleRatio) {}

  /**
   * @param steps the run's number of steps: nothing is sampled ahead past the last
   */
  RolloutPipeline(UUID runId, DynamicSampling sampling, int maxStaleness, int steps) {
    this.runId = runId;
    this.sampling = sampling;
    this.maxStaleness = maxStaleness;
    this.steps = steps;
    this.sampler =
        maxStaleness == 0
            ? null
            : Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, "rollouts-ahead-" + runId);
                  t.setDaemon(true);
                  return t;
                });
  }

  /** Whether the step's groups go through DAPO's dynamic sampling. */
  boolean dynamicSampling() {
    return sampling.enabled();
  }

  /**
   * The samples of step {@code state.step()}: sampled ahead when they were, else now. Then starts
   * sampling the steps after it, up to {@code maxStaleness} ahead.
   *
   * @param scoringStarted run once the step's first rollout is back (at once if it was ahead)
   */
  SampledGroups take(TrainingState state, Runnable scoringStarted) {
    int step = (int) state.step();
    CompletableFuture<Sampled> queued = ahead.remove(step);
    long t0 = System.nanoTime();
    Sampled sampled = queued == null ? null : await(step, queued);
    SampledGroups groups;
    if (sampled != null && sampled.from().equals(state)) {
      scoringStarted.run();
      groups = sampled.groups();
    } else {
      // the first step, a retry or a resume: nothing sampled ahead is of use
      dropAhead();
      groups = timed(() -> sampling.sample(step, state, scoringStarted));
    }
    waitedNanos += System.nanoTime() - t0;
    if (sampler != null) {
      queueAhead(new Sampled(state, groups));
    }
    return groups;
  }

  private Sampled await(int step, CompletableFuture<Sampled> queued) {
    try {
      return queued.get();
    } catch (ExecutionException e) {
      dropAhead();
      throw rethrown(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      dropAhead();
      throw new LeaseLostException("interrupted while waiting for step " + step + "'s samples");
    } catch (CancellationException e) {
      // dropped by an earlier failure: sample it now
      return null;
    }
  }

  /** Queues the steps after {@code taken} that are not yet, up to {@code maxStaleness} ahead. */
  private void queueAhead(Sampled taken) {
    CompletableFuture<Sampled> previous = CompletableFuture.completedFuture(taken);
    long last = Math.min(taken.from().step() + maxStaleness, steps - 1L);
    for (int u = (int) taken.from().step() + 1; u <= last; u++) {
      CompletableFuture<Sampled> queued = ahead.get(u);
      if (queued == null) {
        int step = u;
        queued =
            previous.thenApplyAsync(
                p -> {
                  TrainingState from = p.from().advance(p.groups().consumed());
                  return new Sampled(from, timed(() -> sampleAhead(step, from)));
                },
                sampler);
        ahead.put(u, queued);
      }
      previous = queued;
    }
  }

  private SampledGroups sampleAhead(int step, TrainingState from) {
    try (var run = Correlation.run(runId);
        var logged = Correlation.step(step)) {
      log.debug("run {}: sampling step {} ahead", runId, step);
      return sampling.sample(step, from, () -> {});
    }
  }

  private SampledGroups timed(Supplier<SampledGroups> work) {
    long s0 = System.nanoTime();
    try {
      return work.get();
    } finally {
      samplingNanos.addAndGet(System.nanoTime() - s0);
    }
  }

  /** The trainer's and the sampler's idle shares of the wall time since the pipeline began. */
  Utilisation utilisation() {
    double wall = Math.max(1, System.nanoTime() - createdNanos);
    return new Utilisation(
        Math.min(1, waitedNanos / wall), Math.max(0, 1 - Math.min(1, samplingNanos.get() / wall)));
  }

  /** Drops whatever was sampled ahead (it stays in the rollout service's ledger). */
  private void dropAhead() {
    ahead.values().forEach(a -> a.cancel(false));
    ahead.clear();
  }

  private static RuntimeException rethrown(Throwable cause) {
    if (cause instanceof CompletionException c && c.getCause() != null) {
      cause = c.getCause();
    }
    if (cause instanceof RuntimeException r) {
      return r;
    }
    return new IllegalStateException(cause);
  }

  @Override
  public void close() {
    dropAhead();
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }
}
