package dev.grpo.trainer.step;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * The training meters of ARCHITECTURE §7, tagged by run: gauges hold the latest step's value (NaN
 * where the step did not measure it, e.g. KL with β = 0), {@code grpo.step.duration} times each
 * phase, counters count steps and reward-failure policy applications.
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
    Tags all = Tags.of("run", run.toString()).and(tags);
    String key = name + all;
    AtomicLong holder =
        gauges.computeIfAbsent(
            key,
            k -> {
              AtomicLong h = new AtomicLong(Double.doubleToLongBits(Double.NaN));
              Gauge.builder(name, h, a -> Double.longBitsToDouble(a.get()))
                  .tags(all)
                  .register(registry);
              return h;
            });
    holder.set(Double.doubleToLongBits(value));
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
}
