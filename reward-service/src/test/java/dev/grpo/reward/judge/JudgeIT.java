package dev.grpo.reward.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.judge.JudgeReport.CaseResult;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.Outcome;
import dev.grpo.reward.sandbox.SharedSandbox;
import java.util.List;
import org.junit.jupiter.api.Test;

class JudgeIT {

  private final TestCaseJudge judge = new TestCaseJudge(SharedSandbox.get());

  private static final String C_SQUARE =
      "#include <stdio.h>\nint main(){long x; scanf(\"%ld\",&x);"
          + " if (x == 7) return 3; if (x == 9) {printf(\"80\\n\"); return 0;}"
          + " printf(\"%ld  \\n\\n\", x*x); return 0;}";

  private static List<TestCase> squares() {
    return List.of(
        new TestCase.Stdio("2", "4"),
        new TestCase.Stdio("3", "9\n"),
        new TestCase.Stdio("7", "49"), // runtime error
        new TestCase.Stdio("9", "81"), // wrong answer
        new TestCase.Stdio("10", "100"));
  }

  private static List<Outcome> outcomes(JudgeReport r) {
    return r.cases().stream().map(CaseResult::outcome).toList();
  }

  @Test
  void fractionScoreOverStdioCasesCompilingOnce() {
    JudgeReport r = judge.judge(C_SQUARE, Language.C, squares(), JudgeOptions.defaults());
    assertThat(r.status()).isEqualTo(JudgeReport.Status.SCORED);
    assertThat(outcomes(r))
        .containsExactly(
            Outcome.PASSED,
            Outcome.PASSED,
            Outcome.RUNTIME_ERROR,
            Outcome.WRONG_ANSWER,
            Outcome.PASSED);
    assertThat(r.score().getAsDouble()).isEqualTo(0.6);
    assertThat(r.passed()).isEqualTo(3);
  }

  @Test
  void firstKAndAllOrNothing() {
    JudgeReport firstTwo =
        judge.judge(C_SQUARE, Language.C, squares(), JudgeOptions.defaults().withFirstK(2));
    assertThat(firstTwo.cases()).hasSize(2);
    assertThat(firstTwo.score().getAsDouble()).isEqualTo(1.0);

    JudgeReport strict =
        judge.judge(
            C_SQUARE,
            Language.C,
            squares(),
            JudgeOptions.defaults().withScoring(JudgeOptions.Scoring.ALL_OR_NOTHING));
    assertThat(strict.score().getAsDouble()).isEqualTo(0.0);
    assertThat(outcomes(strict))
        .containsExactly(Outcome.PASSED, Outcome.PASSED, Outcome.RUNTIME_ERROR);
  }

  @Test
  void compileErrorFailsEveryCase() {
    JudgeReport r =
        judge.judge("int main() { return x; }", Language.CPP, squares(), JudgeOptions.defaults());
    assertThat(r.status()).isEqualTo(JudgeReport.Status.SCORED);
    assertThat(r.score().getAsDouble()).isZero();
    assertThat(outcomes(r)).hasSize(5).containsOnly(Outcome.COMPILE_ERROR);
    assertThat(r.message()).contains("x");
  }

  @Test
  void floatToleranceAndExactComparison() {
    String code = "print(1/3)\nprint('a  ')";
    OutputComparison loose = OutputComparison.floatTolerance(1e-4);
    JudgeReport r =
        judge.judge(
            code,
            Language.PYTHON,
            List.of(
                new TestCase.Stdio("", "0.3333\na", loose),
                new TestCase.Stdio("", "0.33\na", loose),
                new TestCase.Stdio("", "0.3333333333333333\na  \n", OutputComparison.EXACT),
                new TestCase.Stdio("", "0.3333333333333333\na\n", OutputComparison.EXACT)),
            JudgeOptions.defaults());
    assertThat(outcomes(r))
        .containsExactly(
            Outcome.PASSED, Outcome.WRONG_ANSWER, Outcome.PASSED, Outcome.WRONG_ANSWER);
  }

  @Test
  void pythonFunctionCallsOnFunctionsAndSolutionClass() {
    String fn =
        "def add(a, b):\n    print('debug noise')\n    return a + b\n"
            + "def pair(x):\n    return (x, [x * 2.0])\n";
    JudgeReport r =
        judge.judge(
            fn,
            Language.PYTHON,
            List.of(
                new TestCase.PythonCall("add", "[1, 2]", "3"),
                new TestCase.PythonCall("add", "[\"a\", \"b\"]", "\"ab\""),
                new TestCase.PythonCall("add", "[1, 2]", "4"),
                new TestCase.PythonCall("pair", "[0.1]", "[0.1, [0.2000001]]", 1e-5),
                new TestCase.PythonCall("missing", "[]", "null")),
            JudgeOptions.defaults());
    assertThat(outcomes(r))
        .containsExactly(
            Outcome.PASSED,
            Outcome.PASSED,
            Outcome.WRONG_ANSWER,
            Outcome.PASSED,
            Outcome.RUNTIME_ERROR);
    assertThat(r.score().getAsDouble()).isEqualTo(0.6);

    String cls = "class Solution:\n    def twoSum(self, n, t):\n        return [0, 1]\n";
    JudgeReport s =
        judge.judge(
            cls,
            Language.PYTHON,
            List.of(new TestCase.PythonCall("twoSum", "[[2, 7, 11], 9]", "[0, 1]")),
            JudgeOptions.defaults());
    assertThat(outcomes(s)).containsExactly(Outcome.PASSED);
  }

  @Test
  void pythonAssertCases() {
    String code = "def sq(x):\n    return x * x\n";
    JudgeReport r =
        judge.judge(
            code,
            Language.PYTHON,
            List.of(
                new TestCase.PythonAssert("assert sq(3) == 9"),
                new TestCase.PythonAssert("assert sq(3) == 10"),
                new TestCase.PythonAssert("assert sq(-2) == 4\nassert sq(0) == 0")),
            JudgeOptions.defaults());
    assertThat(outcomes(r)).containsExactly(Outcome.PASSED, Outcome.RUNTIME_ERROR, Outcome.PASSED);
  }

  @Test
  void earlyExitAndForgedVerdictsDoNotPass() {
    String exits = "import os\nos._exit(0)\n";
    String forges = "import sys\nprint('OK')\nsys.stdin.read()\n";
    String readsStdin =
        "import sys\ndata = sys.stdin.read()\nprint(data.split()[0] + ' OK')\n"
            + "def sq(x):\n    return x * x\n";
    for (String code : List.of(exits, forges, readsStdin)) {
      JudgeReport r =
          judge.judge(
              code,
              Language.PYTHON,
              List.of(
                  new TestCase.PythonAssert("assert sq(3) == 9"),
                  new TestCase.PythonCall("sq", "[3]", "9")),
              JudgeOptions.defaults());
      assertThat(r.score().getAsDouble()).as(code).isZero();
    }
  }

  @Test
  void programImitatingASandboxFailureIsItsOwnFault() {
    JudgeReport r =
        judge.judge(
            "import sys\nsys.stderr.write('bwrap: Can\\'t mount proc\\n')\nsys.exit(1)",
            Language.PYTHON,
            List.of(new TestCase.Stdio("", "")),
            JudgeOptions.defaults());
    assertThat(r.status()).isEqualTo(JudgeReport.Status.SCORED);
    assertThat(outcomes(r)).containsExactly(Outcome.RUNTIME_ERROR);
  }
}
