package dev.grpo.reward.judge;

import dev.grpo.reward.judge.HarnessAttacks.Attack;
import dev.grpo.reward.sandbox.CodeSandbox;
import dev.grpo.reward.sandbox.ExecResult;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.SandboxConfig;
import dev.grpo.reward.sandbox.SandboxPolicy;
import dev.grpo.reward.sandbox.Submission;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Python assert harness before and after: the old one (a replica of the driver this project
 * had, one sandboxed process per case, asserts run in the solution's interpreter, "nonce OK" as
 * success) against {@link TestCaseJudge} now (one sandbox run, checker and solver). Prints the wall
 * time of judging a 10-assert MBPP item both ways and, for each {@link HarnessAttacks} trick with a
 * wrong answer, the score both ways.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:<deps>
 * dev.grpo.reward.judge.HarnessBench <mbpp.jsonl> [iterations]}. Needs root and bubblewrap.
 */
public final class HarnessBench {

  /** The driver as it was before the checker/solver split (kept here only for comparison). */
  static final String OLD_DRIVER =
      """
      import io as _io, json as _json, sys as _sys
      def _grpo_main():
          nonce = _sys.stdin.readline().strip()
          spec = _json.loads(_sys.stdin.read())
          _sys.stdin = _io.StringIO("")
          with open("solution.py", encoding="utf-8") as f:
              src = f.read()
          g = {"__name__": "solution", "__builtins__": __builtins__}
          exec(compile(src, "solution.py", "exec"), g)
          exec(compile(spec["code"], "<asserts>", "exec"), g)
          _sys.stdout.flush()
          _sys.__stdout__.write("\\n" + nonce + " OK\\n")
          _sys.__stdout__.flush()
      _grpo_main()
      """;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private HarnessBench() {}

  public static void main(String[] args) throws Exception {
    Path mbpp = Path.of(args[0]);
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (CodeSandbox sandbox =
        CodeSandbox.start(
            SandboxConfig.defaults()
                .withWorkRoot(Path.of("/dev/shm/grpo-harness-bench"))
                .withUids(63520, 4))) {
      JsonNode row = JSON.readTree(Files.readAllLines(mbpp).get(0));
      String code = row.get("code").asString().replace("\r\n", "\n");
      List<TestCase> cases = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        JsonNode tests = row.get("test_list");
        cases.add(new TestCase.PythonAssert(tests.get(i % tests.size()).asString()));
      }
      TestCaseJudge judge = new TestCaseJudge(sandbox);
      long[] before = new long[iterations];
      long[] after = new long[iterations];
      for (int i = 0; i < iterations; i++) {
        long t0 = System.nanoTime();
        check(oldScore(sandbox, code, cases) == 1.0);
        long t1 = System.nanoTime();
        check(
            judge.judge(code, Language.PYTHON, cases, JudgeOptions.defaults()).score().getAsDouble()
                == 1.0);
        before[i] = t1 - t0;
        after[i] = System.nanoTime() - t1;
      }
      report("MBPP/" + row.get("task_id").asString() + ", 10 asserts", before, after);
      attackTable(sandbox, judge);
    }
  }

  private static void attackTable(CodeSandbox sandbox, TestCaseJudge judge) {
    System.out.println("| attack (wrong answer) | before | after |");
    System.out.println("|---|---|---|");
    for (Attack a : HarnessAttacks.all()) {
      List<TestCase> cases = List.of(new TestCase.PythonAssert(a.test()));
      double old = oldScore(sandbox, a.code(), cases);
      JudgeReport now = judge.judge(a.code(), Language.PYTHON, cases, JudgeOptions.defaults());
      System.out.printf(
          "| %s | %.1f | %.1f (%s) |%n",
          a.name(), old, now.score().orElse(Double.NaN), now.cases().get(0).outcome());
    }
  }

  /** The old harness's score: one sandboxed process per case, success = a last line "nonce OK". */
  static double oldScore(CodeSandbox sandbox, String code, List<TestCase> cases) {
    int passed = 0;
    try (Submission s =
        sandbox.prepare(
            OLD_DRIVER,
            Language.PYTHON,
            Map.of("solution.py", code.getBytes(StandardCharsets.UTF_8)),
            SandboxPolicy.compileDefaults())) {
      for (TestCase c : cases) {
        String nonce = HexFormat.of().formatHex(CodeSandbox.nonce(16));
        String spec =
            JSON.writeValueAsString(Map.of("code", ((TestCase.PythonAssert) c).assertCode()));
        ExecResult r =
            s.run(
                (nonce + "\n" + spec).getBytes(StandardCharsets.UTF_8),
                SandboxPolicy.runDefaults());
        String[] lines = r.stdoutText().strip().split("\n");
        if (r.success() && lines[lines.length - 1].equals(nonce + " OK")) {
          passed++;
        }
      }
    }
    return (double) passed / cases.size();
  }

  private static void report(String item, long[] before, long[] after) {
    Arrays.sort(before);
    Arrays.sort(after);
    System.out.printf(
        "%s: before (one process per case) p50 %.1f ms p90 %.1f ms;"
            + " after (one sandbox run) p50 %.1f ms p90 %.1f ms; %d iterations%n",
        item, ms(before, 0.5), ms(before, 0.9), ms(after, 0.5), ms(after, 0.9), before.length);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("bench run gave a wrong result");
    }
  }
}
