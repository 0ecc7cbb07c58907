package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.judge.JudgeOptions;
import dev.grpo.reward.judge.JudgeReport;
import dev.grpo.reward.judge.TestCase;
import dev.grpo.reward.judge.TestCaseJudge;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code sandbox.executions} and {@code sandbox.execution.duration} on the real sandbox. */
class SandboxMetricsIT {

  // a uid range of its own: the shared sandbox of this JVM holds 63000-63015
  private static final SandboxConfig CONFIG =
      SandboxConfig.defaults().withWorkRoot(SharedSandbox.WORK_ROOT).withUids(63040, 2);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final CodeSandbox sandbox = CodeSandbox.start(CONFIG, meters);

  @AfterEach
  void close() {
    sandbox.close();
  }

  /** Every {@code sandbox.executions} counter as "language phase outcome" → count. */
  private Map<String, Double> executions() {
    return meters.find("sandbox.executions").counters().stream()
        .collect(
            Collectors.toMap(
                c -> tags(c, "language", "phase", "outcome"),
                Counter::count,
                (a, b) -> a + b,
                TreeMap::new));
  }

  private static String tags(Meter m, String... keys) {
    assertThat(m.getId().getTags().stream().map(Tag::getKey))
        .as("no tag beyond the bounded ones")
        .containsExactlyInAnyOrder(keys);
    return List.of(keys).stream().map(m.getId()::getTag).collect(Collectors.joining(" "));
  }

  @Test
  void aPassingAndAFailingRunAreCountedByLanguageAndOutcome() {
    TestCaseJudge judge = new TestCaseJudge(sandbox);
    List<TestCase> echo = List.of(new TestCase.Stdio("7", "7"));

    JudgeReport passing =
        judge.judge("print(input())", Language.PYTHON, echo, JudgeOptions.defaults());
    assertThat(passing.passed()).isEqualTo(1);
    assertThat(executions()).containsExactlyEntriesOf(Map.of("python run ok", 1.0));

    JudgeReport failing =
        judge.judge("raise SystemExit(3)", Language.PYTHON, echo, JudgeOptions.defaults());
    assertThat(failing.cases().get(0).outcome()).isEqualTo(Outcome.RUNTIME_ERROR);
    assertThat(executions())
        .isEqualTo(Map.of("python run ok", 1.0, "python run runtime_error", 1.0));

    Timer runs =
        meters.get("sandbox.execution.duration").tags("language", "python", "phase", "run").timer();
    assertThat(runs.count()).isEqualTo(2);
    assertThat(runs.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(meters.find("sandbox.execution.duration").timers())
        .allSatisfy(t -> tags(t, "language", "phase"));
  }

  @Test
  void aCompilationIsAnExecutionOfItsOwnAndAFailedOneRunsNothing() {
    TestCaseJudge judge = new TestCaseJudge(sandbox);
    List<TestCase> two = List.of(new TestCase.Stdio("", "1"), new TestCase.Stdio("", "1"));

    judge.judge("int main(){return x;}", Language.C, two, JudgeOptions.defaults());
    assertThat(executions()).isEqualTo(Map.of("c compile compile_error", 1.0));

    judge.judge(
        "#include <stdio.h>\nint main(){puts(\"1\");return 0;}",
        Language.C,
        two,
        JudgeOptions.defaults());
    assertThat(executions())
        .isEqualTo(Map.of("c compile compile_error", 1.0, "c compile ok", 1.0, "c run ok", 2.0));
    assertThat(
            meters
                .get("sandbox.execution.duration")
                .tags("language", "c", "phase", "compile")
                .timer()
                .count())
        .isEqualTo(2);
  }

  @Test
  void aBrokenSandboxIsCountedAsASandboxError() {
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    SandboxConfig broken = CONFIG.withBwrap(Path.of("/nonexistent/bwrap"));
    try (CodeSandbox b = CodeSandbox.withoutProbe(broken, new SandboxMetrics(own))) {
      new TestCaseJudge(b)
          .judge(
              "print(1)",
              Language.PYTHON,
              List.of(new TestCase.Stdio("", "1")),
              JudgeOptions.defaults());
    }
    assertThat(
            own.get("sandbox.executions")
                .tags("language", "python", "phase", "run", "outcome", "sandbox_error")
                .counter()
                .count())
        .isEqualTo(1.0);
  }
}
