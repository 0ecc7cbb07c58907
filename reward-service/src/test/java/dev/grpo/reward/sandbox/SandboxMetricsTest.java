package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.sandbox.ExecResult.Termination;
import dev.grpo.reward.sandbox.SandboxMetrics.ExecOutcome;
import dev.grpo.reward.sandbox.SandboxMetrics.Phase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SandboxMetricsTest {

  private static ExecResult exited(int code, String stderr) {
    return new ExecResult(
        Termination.EXITED,
        code,
        new byte[0],
        stderr.getBytes(StandardCharsets.UTF_8),
        Duration.ofMillis(12),
        "");
  }

  private static ExecResult ended(Termination t) {
    return new ExecResult(t, 137, new byte[0], new byte[0], Duration.ofMillis(12), "");
  }

  @Test
  void theOutcomeSaysHowTheProcessEndedAndWhichStepFailed() {
    assertThat(ExecOutcome.of(Phase.RUN, exited(0, ""))).isEqualTo(ExecOutcome.OK);
    assertThat(ExecOutcome.of(Phase.COMPILE, exited(0, ""))).isEqualTo(ExecOutcome.OK);
    assertThat(ExecOutcome.of(Phase.RUN, exited(1, "Traceback")))
        .isEqualTo(ExecOutcome.RUNTIME_ERROR);
    assertThat(ExecOutcome.of(Phase.COMPILE, exited(1, "error: 'x' undeclared")))
        .isEqualTo(ExecOutcome.COMPILE_ERROR);
    assertThat(ExecOutcome.of(Phase.RUN, exited(1, "MemoryError")))
        .isEqualTo(ExecOutcome.MEMORY_LIMIT);
    assertThat(ExecOutcome.of(Phase.RUN, ended(Termination.TIMEOUT)))
        .isEqualTo(ExecOutcome.TIMEOUT);
    assertThat(ExecOutcome.of(Phase.COMPILE, ended(Termination.TIMEOUT)))
        .isEqualTo(ExecOutcome.TIMEOUT);
    assertThat(ExecOutcome.of(Phase.RUN, ended(Termination.OUTPUT_LIMIT)))
        .isEqualTo(ExecOutcome.OUTPUT_LIMIT);
    assertThat(ExecOutcome.of(Phase.RUN, ExecResult.sandboxError("no bwrap", Duration.ZERO)))
        .isEqualTo(ExecOutcome.SANDBOX_ERROR);
  }

  @Test
  void recordCountsWithLowerCaseTagsAndTimesTheWallTime() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    SandboxMetrics metrics = new SandboxMetrics(meters);
    ExecResult r = exited(0, "");
    assertThat(metrics.record(Language.JAVASCRIPT, Phase.RUN, r)).isSameAs(r);
    metrics.record(Language.JAVASCRIPT, Phase.RUN, exited(1, ""));

    assertThat(
            meters
                .get("sandbox.executions")
                .tags("language", "javascript", "phase", "run", "outcome", "ok")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            meters
                .get("sandbox.executions")
                .tags("language", "javascript", "phase", "run", "outcome", "runtime_error")
                .counter()
                .count())
        .isEqualTo(1.0);
    var timer =
        meters
            .get("sandbox.execution.duration")
            .tags("language", "javascript", "phase", "run")
            .timer();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(24.0);
  }
}
