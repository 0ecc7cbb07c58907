package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.sandbox.ExecResult.Termination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutcomeTest {

  private static ExecResult r(Termination t, int exit, String stderr) {
    return new ExecResult(
        t, exit, new byte[0], stderr.getBytes(StandardCharsets.UTF_8), Duration.ZERO, "");
  }

  @Test
  void classifiesFailedRuns() {
    assertThat(Outcome.ofFailedRun(r(Termination.TIMEOUT, 137, ""))).isEqualTo(Outcome.TIMEOUT);
    assertThat(Outcome.ofFailedRun(r(Termination.OUTPUT_LIMIT, 137, "")))
        .isEqualTo(Outcome.OUTPUT_LIMIT);
    assertThat(Outcome.ofFailedRun(ExecResult.sandboxError("x", Duration.ZERO)))
        .isEqualTo(Outcome.SANDBOX_ERROR);
    assertThat(Outcome.ofFailedRun(r(Termination.EXITED, 1, "Traceback\nMemoryError\n")))
        .isEqualTo(Outcome.MEMORY_LIMIT);
    assertThat(
            Outcome.ofFailedRun(
                r(Termination.EXITED, 134, "terminate called ... 'std::bad_alloc'")))
        .isEqualTo(Outcome.MEMORY_LIMIT);
    assertThat(
            Outcome.ofFailedRun(
                r(Termination.EXITED, 1, "Exception java.lang.OutOfMemoryError: Java heap")))
        .isEqualTo(Outcome.MEMORY_LIMIT);
    assertThat(Outcome.ofFailedRun(r(Termination.EXITED, 1, "OSError: [Errno 27] File too large")))
        .isEqualTo(Outcome.OUTPUT_LIMIT);
    assertThat(Outcome.ofFailedRun(r(Termination.EXITED, 139, "")))
        .isEqualTo(Outcome.RUNTIME_ERROR);
    assertThat(Outcome.ofFailedRun(r(Termination.EXITED, 1, "ZeroDivisionError")))
        .isEqualTo(Outcome.RUNTIME_ERROR);
  }
}
