package dev.grpo.trainer.step;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * The training meters of ARCHITECTURE §7, tagged by run: gauges hold the latest step's value (NaN
 * where the step did not measure it, e.g. KL with β = 0), {@code grpo.step.duration} times each
 * phase, counters count steps and reward-failure policy applications. Two gauges say whether this
 * trainer drives the run and when it last moved, for the alerts that must tell a live run from a
 * finished one and a stalled run from a slow one: {@code grpo.run.leased} and {@code
 * grpo.run.progress.timestamp}.
 */
@Component
class TrainingMeters {

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  TrainingMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Sets a gauge (registering it on first use). */
  void set(String name, UUID run, double value, String... tags) {
    gauge(name, null, run, tags).set(Double.doubleToLongBits(value));
  }

  /**
   * {@code grpo.run.leased}: 1 from this trainer's claim of the run until it lets it go, then 0.
   */
  void leased(UUID run, boolean held) {
    set("grpo.run.leased", run, held ? 1 : 0);
  }

  /**
   * {@code grpo.run.progress.timestamp} (seconds since the epoch): when this trainer claimed the
   * run or last finished one of its steps or evaluations, whichever is later.
   */
  void progressed(UUID run, Instant at) {
    gauge("grpo.run.progress.timestamp", "seconds", run)
        .set(Double.doubleToLongBits(at.toEpochMilli() / 1000.0));
  }

  private AtomicLong gauge(String name, String baseUnit, UUID run, String... tags) {
    Tags all = Tags.of("run", run.toString()).and(tags);
    return gauges.computeIfAbsent(
        name + all,
        k -> {
          AtomicLong h = new AtomicLong(Double.doubleToLongBits(Double.NaN));
          Gauge.builder(name, h, a -> Double.longBitsToDouble(a.get()))
              .baseUnit(baseUnit)
              .tags(all)
              .register(registry);
          return h;
        });
  }

  void phase(UUID run, String phase, Duration duration) {
    Timer.builder("grpo.step.duration")
        .description("time of one phase of a GRPO step")
        .tags("run", run.toString(), "phase", phase)
        .register(registry)
        .record(duration);
  }

  void step(UUID run, String outcome) {
    Counter.builder("grpo.steps")
        .description("GRPO steps by outcome")
        .tags("run", run.toString(), "outcome", outcome)
        .register(registry)
        .increment();
  }

  /**
   * Asynchronous rollouts: {@code grpo.rollout.staleness} (a histogram over the step's kept groups
   * of how many versions their samples lag behind the policy they update; bucket {@code le="k.5"}
   * counts the groups at most k versions behind, k = 0 … 8; {@code groupsByVersions[k]} groups were
   * k versions behind) and {@code grpo.rollout.stale_dropped} (groups dropped as staler than the
   * run allows).
   */
  void staleness(UUID run, int[] groupsByVersions, int dropped) {
    DistributionSummary summary =
        DistributionSummary.builder("grpo.rollout.staleness")
            .description("policy versions a trained group's samples lag behind the updated policy")
            .baseUnit("versions")
            .serviceLevelObjectives(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5)
            .tags("run", run.toString())
            .register(registry);
    for (int versions = 0; versions < groupsByVersions.length; versions++) {
      for (int g = 0; g < groupsByVersions[versions]; g++) {
        summary.record(versions);
      }
    }
    Counter c =
        Counter.builder("grpo.rollout.stale_dropped")
            .description("sampled groups dropped as staler than rollout.maxStaleness")
            .tags("run", run.toString())
            .register(registry);
    if (dropped > 0) {
      c.increment(dropped);
    }
  }

  void rewardFailures(UUID run, String rule, String policy, int count) {
    Counter c =
        Counter.builder("grpo.reward.failures")
            .description("completions a rule could not score, by the failure policy applied")
            .tags("run", run.toString(), "rule", rule, "policy", policy)
            .register(registry);
    if (count > 0) {
      c.increment(count);
    }
  }

  /**
   * {@code grpo.stage.rows.kept} and {@code grpo.stage.rows.rejected} (tag {@code reason}): what a
   * rejection-sampling or distillation run kept. Gauges, not counters: a stage redone after a crash
   * recounts from its start, and must not count twice.
   */
  void rejectionSampling(UUID run, RejectionFilter.Counts counts) {
    set("grpo.stage.rows.kept", run, counts.kept());
    counts
        .rejected()
        .forEach((reason, n) -> set("grpo.stage.rows.rejected", run, n, "reason", reason));
  }
}
