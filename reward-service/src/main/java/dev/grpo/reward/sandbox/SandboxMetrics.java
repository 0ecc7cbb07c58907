package dev.grpo.reward.sandbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Locale;

/**
 * One sample per sandboxed process (a compilation or one run of the program, whoever asked for it:
 * the {@code code_execution} rule or {@code /api/v1/sandbox/run}):
 *
 * <ul>
 *   <li>{@code sandbox.executions} (counter; tags {@code language}, {@code phase}, {@code outcome})
 *   <li>{@code sandbox.execution.duration} (timer; tags {@code language}, {@code phase}): wall
 *       time, including the wait for a sandbox uid
 * </ul>
 *
 * <p>Every tag comes from an enum, lower case: a language of {@link Language}, a {@link Phase}, an
 * {@link ExecOutcome}. The outcome says how the process ended, not whether its output was right: a
 * wrong answer is an {@code ok} run here and a {@code WRONG_ANSWER} in the rule's details.
 */
final class SandboxMetrics {

  /** Which step of a submission a process was. */
  enum Phase {
    COMPILE,
    RUN
  }

  /** How one sandboxed process ended. */
  enum ExecOutcome {
    /** Exited with status 0. */
    OK,
    /** The compiler exited with a non-zero status. */
    COMPILE_ERROR,
    /** The program exited with a non-zero status (or died of a signal it brought on itself). */
    RUNTIME_ERROR,
    TIMEOUT,
    MEMORY_LIMIT,
    OUTPUT_LIMIT,
    /** The sandbox failed, not the program. */
    SANDBOX_ERROR;

    static ExecOutcome of(Phase phase, ExecResult r) {
      if (r.success()) {
        return OK;
      }
      return switch (Outcome.ofFailedRun(r)) {
        case TIMEOUT -> TIMEOUT;
        case MEMORY_LIMIT -> MEMORY_LIMIT;
        case OUTPUT_LIMIT -> OUTPUT_LIMIT;
        case SANDBOX_ERROR -> SANDBOX_ERROR;
        default -> phase == Phase.COMPILE ? COMPILE_ERROR : RUNTIME_ERROR;
      };
    }
  }

  private final MeterRegistry meters;

  SandboxMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  /** Meters that count nowhere, for sandboxes made outside the service (tests, tools). */
  static SandboxMetrics none() {
    return new SandboxMetrics(new CompositeMeterRegistry());
  }

  /** Counts one finished process and records its wall time. */
  ExecResult record(Language language, Phase phase, ExecResult result) {
    String lang = tag(language);
    Counter.builder("sandbox.executions")
        .description("sandboxed processes (compilations and runs), by how they ended")
        .tag("language", lang)
        .tag("phase", tag(phase))
        .tag("outcome", tag(ExecOutcome.of(phase, result)))
        .register(meters)
        .increment();
    Timer.builder("sandbox.execution.duration")
        .description("wall time of one sandboxed process, including the wait for a sandbox uid")
        .tag("language", lang)
        .tag("phase", tag(phase))
        .register(meters)
        .record(result.wallTime());
    return result;
  }

  /**
   * Counts one program run in {@code sandbox.starts} (tag {@code start}: {@code warm} when it ran
   * in a sandbox started ahead, see {@link WarmPool}, else {@code cold}).
   */
  void started(boolean warm) {
    Counter.builder("sandbox.starts")
        .description("program runs, by whether their sandbox was started ahead (warm) or not")
        .tag("start", warm ? "warm" : "cold")
        .register(meters)
        .increment();
  }

  private static String tag(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
