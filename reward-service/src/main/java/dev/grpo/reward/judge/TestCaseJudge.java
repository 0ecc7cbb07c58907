package dev.grpo.reward.judge;

import dev.grpo.reward.judge.JudgeReport.CaseResult;
import dev.grpo.reward.sandbox.CodeSandbox;
import dev.grpo.reward.sandbox.ExecResult;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.Outcome;
import dev.grpo.reward.sandbox.SandboxPolicy;
import dev.grpo.reward.sandbox.Submission;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Compiles a submission once and runs it against test cases, producing a score. */
public final class TestCaseJudge {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int DETAIL_CHARS = 512;

  private final CodeSandbox sandbox;

  public TestCaseJudge(CodeSandbox sandbox) {
    this.sandbox = sandbox;
  }

  public JudgeReport judge(
      String code, Language language, List<? extends TestCase> allCases, JudgeOptions options) {
    List<? extends TestCase> cases =
        options.firstK() > 0 && allCases.size() > options.firstK()
            ? allCases.subList(0, options.firstK())
            : allCases;
    boolean needsDriver = cases.stream().anyMatch(c -> !(c instanceof TestCase.Stdio));
    boolean needsPlain = cases.stream().anyMatch(c -> c instanceof TestCase.Stdio);
    if (needsDriver && language != Language.PYTHON) {
      throw new IllegalArgumentException("function-call and assert cases need Language.PYTHON");
    }
    if (cases.isEmpty()) {
      throw new IllegalArgumentException("no test cases");
    }
    Submission plain = null;
    Map<Integer, CaseResult> driven = null;
    try {
      if (needsPlain) {
        plain = sandbox.prepare(code, language, Map.of(), options.compilePolicy());
        JudgeReport failed = compileFailure(plain, cases.size());
        if (failed != null) {
          return failed;
        }
      }
      List<CaseResult> results = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        TestCase c = cases.get(i);
        if (!(c instanceof TestCase.Stdio) && driven == null) {
          driven = runDriver(code, cases, options);
        }
        CaseResult r =
            c instanceof TestCase.Stdio s
                ? runStdio(i, plain, s, options.runPolicy())
                : driven.get(i);
        results.add(r);
        if (r.outcome() == Outcome.SANDBOX_ERROR) {
          return new JudgeReport(
              JudgeReport.Status.SANDBOX_ERROR, OptionalDouble.empty(), results, r.detail());
        }
        if (options.scoring() == JudgeOptions.Scoring.ALL_OR_NOTHING
            && r.outcome() != Outcome.PASSED) {
          break;
        }
      }
      long passed = results.stream().filter(r -> r.outcome() == Outcome.PASSED).count();
      double score =
          options.scoring() == JudgeOptions.Scoring.ALL_OR_NOTHING
              ? (passed == cases.size() ? 1.0 : 0.0)
              : (double) passed / cases.size();
      return new JudgeReport(JudgeReport.Status.SCORED, OptionalDouble.of(score), results, "");
    } finally {
      if (plain != null) {
        plain.close();
      }
    }
  }

  private static JudgeReport compileFailure(Submission s, int caseCount) {
    ExecResult c = s.compileResult();
    if (c == null || c.success()) {
      return null;
    }
    if (c.termination() == ExecResult.Termination.SANDBOX_ERROR) {
      return new JudgeReport(
          JudgeReport.Status.SANDBOX_ERROR,
          OptionalDouble.empty(),
          List.of(new CaseResult(0, Outcome.SANDBOX_ERROR, c.wallTime(), c.message())),
          c.message());
    }
    String why =
        switch (c.termination()) {
          case TIMEOUT -> "compilation timed out";
          case OUTPUT_LIMIT -> "compiler output limit exceeded";
          default -> tail(c.stderrText());
        };
    List<CaseResult> results = new ArrayList<>();
    for (int i = 0; i < caseCount; i++) {
      results.add(new CaseResult(i, Outcome.COMPILE_ERROR, Duration.ZERO, i == 0 ? why : ""));
    }
    return new JudgeReport(JudgeReport.Status.SCORED, OptionalDouble.of(0.0), results, why);
  }

  private static CaseResult runStdio(
      int index, Submission s, TestCase.Stdio c, SandboxPolicy policy) {
    ExecResult r = s.run(c.stdin().getBytes(StandardCharsets.UTF_8), policy);
    if (!r.success()) {
      return failed(index, r);
    }
    String out = r.stdoutText();
    Outcome o =
        c.comparison().matches(out, c.expectedStdout()) ? Outcome.PASSED : Outcome.WRONG_ANSWER;
    return new CaseResult(index, o, r.wallTime(), o == Outcome.PASSED ? "" : tail(out));
  }

  /**
   * Runs every function-call and assert case in one sandbox run of {@link PythonHarness}'s checker;
   * the results by case index. A case without a verdict (the checker was killed, the run timed out)
   * fails with the run's outcome, never passes.
   */
  private Map<Integer, CaseResult> runDriver(
      String code, List<? extends TestCase> cases, JudgeOptions options) {
    List<Integer> indices = new ArrayList<>();
    List<TestCase> driven = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      if (!(cases.get(i) instanceof TestCase.Stdio)) {
        indices.add(i);
        driven.add(cases.get(i));
      }
    }
    SandboxPolicy perCase = options.runPolicy();
    int resultLimit = perCase.stdoutLimitBytes();
    String nonce = HexFormat.of().formatHex(CodeSandbox.nonce(16));
    byte[] stdin =
        PythonHarness.input(nonce, perCase.wallTimeout().toMillis(), resultLimit, driven);
    ExecResult r;
    try (Submission s =
        sandbox.prepare(
            PythonHarness.CHECKER,
            Language.PYTHON,
            PythonHarness.files(code),
            options.compilePolicy())) {
      r = s.run(stdin, PythonHarness.batchPolicy(perCase, driven.size()));
    }
    List<PythonHarness.Verdict> verdicts =
        r.termination() == ExecResult.Termination.SANDBOX_ERROR
            ? List.of()
            : PythonHarness.verdicts(r.stdoutText(), nonce, driven.size());
    Map<Integer, CaseResult> results = new HashMap<>();
    for (int k = 0; k < driven.size(); k++) {
      int index = indices.get(k);
      results.put(
          index,
          k < verdicts.size() ? judged(index, driven.get(k), verdicts.get(k)) : unjudged(index, r));
    }
    return results;
  }

  private static CaseResult judged(int index, TestCase c, PythonHarness.Verdict v) {
    Outcome o =
        switch (v.kind()) {
          case PASS -> c instanceof TestCase.PythonAssert ? Outcome.PASSED : Outcome.WRONG_ANSWER;
          case RESULT ->
              c instanceof TestCase.PythonCall call && sameResult(v.out(), call)
                  ? Outcome.PASSED
                  : Outcome.WRONG_ANSWER;
          case ERROR -> Outcome.RUNTIME_ERROR;
          case TIMEOUT -> Outcome.TIMEOUT;
          case MEMORY -> Outcome.MEMORY_LIMIT;
          case OUTPUT -> Outcome.OUTPUT_LIMIT;
        };
    return new CaseResult(
        index, o, Duration.ofMillis(v.millis()), o == Outcome.PASSED ? "" : tail(v.out()));
  }

  private static boolean sameResult(String result, TestCase.PythonCall call) {
    JsonNode expected;
    try {
      expected = JSON.readTree(call.expectedJson());
    } catch (JacksonException e) {
      throw new IllegalArgumentException("bad JSON in expectedJson", e);
    }
    try {
      return jsonEquals(JSON.readTree(result), expected, call.tolerance());
    } catch (JacksonException e) {
      return false;
    }
  }

  /** A case the checker gave no verdict for: it fails with what ended the run. */
  private static CaseResult unjudged(int index, ExecResult r) {
    if (r.success()) {
      return new CaseResult(index, Outcome.RUNTIME_ERROR, r.wallTime(), "no verdict from driver");
    }
    return failed(index, r);
  }

  /** Structural JSON equality; numbers compare by value, within tolerance when it is positive. */
  static boolean jsonEquals(JsonNode a, JsonNode b, double tolerance) {
    if (a.isNumber() && b.isNumber()) {
      if (tolerance > 0) {
        double x = a.doubleValue();
        double y = b.doubleValue();
        double diff = Math.abs(x - y);
        return diff <= tolerance || diff <= tolerance * Math.abs(y);
      }
      return new BigDecimal(a.asString()).compareTo(new BigDecimal(b.asString())) == 0;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!jsonEquals(a.get(i), b.get(i), tolerance)) {
          return false;
        }
      }
      return true;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      Map<String, JsonNode> bm = new HashMap<>();
      for (Map.Entry<String, JsonNode> e : b.properties()) {
        bm.put(e.getKey(), e.getValue());
      }
      Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode other = bm.get(e.getKey());
        if (other == null || !jsonEquals(e.getValue(), other, tolerance)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  private static CaseResult failed(int index, ExecResult r) {
    Outcome o = Outcome.ofFailedRun(r);
    String detail = o == Outcome.SANDBOX_ERROR ? r.message() : tail(r.stderrText());
    return new CaseResult(index, o, r.wallTime(), detail);
  }

  static String tail(String s) {
    return s.length() <= DETAIL_CHARS ? s : "..." + s.substring(s.length() - DETAIL_CHARS);
  }
}
