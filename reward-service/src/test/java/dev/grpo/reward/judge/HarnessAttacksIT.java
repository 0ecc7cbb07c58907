package dev.grpo.reward.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.judge.HarnessAttacks.Attack;
import dev.grpo.reward.judge.JudgeReport.CaseResult;
import dev.grpo.reward.sandbox.CodeSandbox;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.Outcome;
import dev.grpo.reward.sandbox.SandboxConfig;
import dev.grpo.reward.sandbox.SandboxPolicy;
import dev.grpo.reward.sandbox.SharedSandbox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Python call/assert harness on the real sandbox: no trick of the solution turns a wrong answer
 * into a pass, a trick alone does not break a right answer, and the checker stays out of reach.
 */
class HarnessAttacksIT {

  private final TestCaseJudge judge = new TestCaseJudge(SharedSandbox.get());
  private final JudgeOptions options =
      JudgeOptions.defaults()
          .withRunPolicy(SandboxPolicy.runDefaults().withWallTimeout(Duration.ofSeconds(4)));

  private static List<Outcome> outcomes(JudgeReport r) {
    return r.cases().stream().map(CaseResult::outcome).toList();
  }

  private static List<TestCase> casesOf(Attack a) {
    List<TestCase> cases = new ArrayList<>(List.of(new TestCase.PythonAssert(a.test())));
    if (a.test().equals(HarnessAttacks.ADD_TEST)) {
      cases.add(new TestCase.PythonCall("add", "[2, 3]", "5"));
    }
    return cases;
  }

  @Test
  void noAttackScoresWithAWrongAnswer() {
    List<String> passed = new ArrayList<>();
    for (Attack a : HarnessAttacks.all()) {
      JudgeReport r = judge.judge(a.code(), Language.PYTHON, casesOf(a), options);
      assertThat(r.status()).as(a.name()).isEqualTo(JudgeReport.Status.SCORED);
      if (r.score().getAsDouble() != 0 || outcomes(r).contains(Outcome.PASSED)) {
        passed.add(a.name() + " " + outcomes(r));
      }
    }
    assertThat(passed).as("attacks that scored").isEmpty();
  }

  @Test
  void aTrickAloneLeavesARightAnswerPassing() {
    for (Attack a : HarnessAttacks.all()) {
      if (a.harmlessWithRightAnswer()) {
        JudgeReport r = judge.judge(a.withRightAnswer(), Language.PYTHON, casesOf(a), options);
        assertThat(outcomes(r)).as(a.name()).containsOnly(Outcome.PASSED);
      }
    }
  }

  @Test
  void theCheckerIsOutOfTheSolversReach() {
    String probe =
        """
        import ctypes, os
        def probe():
            pid = os.getppid()
            out = {"ppid": pid}
            for name in ("mem", "maps", "environ", "fd/0", "fd/1", "fd", "cwd"):
                p = "/proc/%d/%s" % (pid, name)
                try:
                    if name in ("fd", "cwd"):
                        os.listdir(p)
                    elif name == "fd/1":
                        open(p, "w").close()
                    else:
                        open(p, "rb").read(1)
                    out[name] = "open"
                except OSError:
                    out[name] = "denied"
            libc = ctypes.CDLL(None, use_errno=True)
            out["ptrace"] = "denied" if libc.ptrace(16, pid, 0, 0) != 0 else "attached"
            return out
        """;
    String denied =
        """
        {"ppid": 1, "mem": "denied", "maps": "denied", "environ": "denied", "fd/0": "denied",
         "fd/1": "denied", "fd": "denied", "cwd": "denied", "ptrace": "denied"}
        """;
    JudgeReport r =
        judge.judge(
            probe,
            Language.PYTHON,
            List.of(new TestCase.PythonCall("probe", "[]", denied)),
            options);
    assertThat(r.cases().get(0).outcome()).as(r.cases().get(0).detail()).isEqualTo(Outcome.PASSED);
  }

  @Test
  void aRightSolutionPassesCallAndAssertCases() {
    String code = "def add(a, b):\n    print('noise')\n    return a + b\n";
    JudgeReport r =
        judge.judge(
            code,
            Language.PYTHON,
            List.of(
                new TestCase.PythonAssert(HarnessAttacks.ADD_TEST),
                new TestCase.PythonCall("add", "[2, 3]", "5"),
                new TestCase.PythonAssert("assert add('a', 'b') == 'ab'\nassert add(2, 2) == 5")),
            options);
    assertThat(outcomes(r)).containsExactly(Outcome.PASSED, Outcome.PASSED, Outcome.RUNTIME_ERROR);
    assertThat(r.cases().get(2).detail()).startsWith("AssertionError");
  }

  @Test
  void aHungCaseTimesOutAndTheNextCaseGetsAFreshSolver() {
    String code =
        """
        import time
        def add(a, b):
            if a == 0:
                while True:
                    pass
            return a + b
        """;
    JudgeOptions quick =
        options.withRunPolicy(options.runPolicy().withWallTimeout(Duration.ofMillis(1500)));
    JudgeReport r =
        judge.judge(
            code,
            Language.PYTHON,
            List.of(
                new TestCase.PythonAssert("assert add(0, 1) == 1"),
                new TestCase.PythonAssert(HarnessAttacks.ADD_TEST),
                new TestCase.PythonCall("add", "[0, 0]", "0"),
                new TestCase.PythonCall("add", "[1, 1]", "2")),
            quick);
    assertThat(outcomes(r))
        .containsExactly(Outcome.TIMEOUT, Outcome.PASSED, Outcome.TIMEOUT, Outcome.PASSED);
    assertThat(r.cases().get(0).time()).isBetween(Duration.ofMillis(1400), Duration.ofMillis(3000));
  }

  @Test
  void valuesMutationsExceptionsAndObjectsCrossThePipe() {
    String code =
        """
        import math
        from collections import Counter
        def sort_in_place(xs):
            xs.sort()
        def tally(xs):
            return Counter(xs)
        def shape(x):
            return (x, {x: {x}}, frozenset([x]), b"x", float("nan"), None, 2 ** 70)
        def root(x):
            if x < 0:
                raise ValueError("negative: %d" % x)
            return math.sqrt(x)
        class Pair:
            def __init__(self, a, b):
                self.a = a
                self.b = b
            def span(self):
                return self.b - self.a
        def longest(pairs):
            return max(p.span() for p in pairs)
        """;
    String test =
        """
        xs = [3, 1, 2]
        sort_in_place(xs)
        assert xs == [1, 2, 3]
        assert tally("abca") == {"a": 2, "b": 1, "c": 1}
        s = shape(1)
        assert s[:4] == (1, {1: {1}}, frozenset([1]), b"x") and s[4] != s[4] and s[5:] == (None, 2 ** 70)
        assert math.isclose(root(2.0), 2 ** 0.5)
        try:
            root(-1)
            raise AssertionError("no exception")
        except ValueError as e:
            assert str(e) == "negative: -1"
        p = Pair(1, 5)
        assert p.a == 1 and p.span() == 4
        assert longest([Pair(0, 2), p]) == 4
        """;
    JudgeReport r =
        judge.judge(code, Language.PYTHON, List.of(new TestCase.PythonAssert(test)), options);
    assertThat(r.cases().get(0).outcome()).as(r.cases().get(0).detail()).isEqualTo(Outcome.PASSED);
  }

  @Test
  void everyCaseOfASubmissionRunsInOneSandboxRun() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    SandboxConfig config =
        SandboxConfig.defaults().withWorkRoot(SharedSandbox.WORK_ROOT).withUids(63050, 2);
    try (CodeSandbox own = CodeSandbox.start(config, meters)) {
      List<TestCase> cases = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        cases.add(new TestCase.PythonAssert("assert add(%d, 1) == %d".formatted(i, i + 1)));
      }
      JudgeReport r =
          new TestCaseJudge(own)
              .judge("def add(a, b):\n    return a + b\n", Language.PYTHON, cases, options);
      assertThat(r.score().getAsDouble()).isEqualTo(1.0);
      assertThat(meters.get("sandbox.executions").tags("phase", "run").counter().count())
          .isEqualTo(1.0);
    }
  }
}
