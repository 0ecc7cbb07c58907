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
import tools.jackson.databind.node.ObjectNode;

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
    Submission driver = null;
    try {
      if (needsPlain) {
        plain = sandbox.prepare(code, language, Map.of(), options.compilePolicy());
        JudgeReport failed = compileFailure(plain, cases.size());
        if (failed != null) {
          return failed;
        }
      }
      if (needsDriver) {
        driver =
            sandbox.prepare(
                PythonHarness.DRIVER,
                Language.PYTHON,
                Map.of(PythonHarness.SOLUTION_FILE, code.getBytes(StandardCharsets.UTF_8)),
                options.compilePolicy());
      }
      List<CaseResult> results = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        TestCase c = cases.get(i);
        CaseResult r =
            c instanceof TestCase.Stdio s
                ? runStdio(i, plain, s, options.runPolicy())
                : runDriver(i, driver, c, options.runPolicy());
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
      // both, even when deleting the first one's directory fails
      try {
        if (plain != null) {
          plain.close();
        }
      } finally {
        if (driver != null) {
          driver.close();
        }
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

  private static CaseResult runDriver(int index, Submission s, TestCase c, SandboxPolicy policy) {
    String nonce = HexFormat.of().formatHex(CodeSandbox.nonce(16));
    ObjectNode spec = JSON.createObjectNode();
    JsonNode expected = null;
    double tolerance = 0;
    if (c instanceof TestCase.PythonCall call) {
      JsonNode args;
      try {
        args = JSON.readTree(call.argsJson());
        expected = JSON.readTree(call.expectedJson());
      } catch (JacksonException e) {
        throw new IllegalArgumentException("bad JSON in test case " + index, e);
      }
      if (!args.isArray()) {
        throw new IllegalArgumentException("argsJson must be a JSON array, case " + index);
      }
      spec.put("mode", "call").put("fn", call.functionName()).set("args", args);
      tolerance = call.tolerance();
    } else if (c instanceof TestCase.PythonAssert a) {
      spec.put("mode", "assert").put("code", a.assertCode());
    }
    byte[] stdin = (nonce + "\n" + JSON.writeValueAsString(spec)).getBytes(StandardCharsets.UTF_8);
    ExecResult r = s.run(stdin, policy);
    if (!r.success()) {
      return failed(index, r);
    }
    String verdict = verdictLine(r.stdoutText(), nonce);
    if (verdict == null) {
      return new CaseResult(index, Outcome.WRONG_ANSWER, r.wallTime(), "no verdict from driver");
    }
    if (expected == null) {
      return new CaseResult(
          index,
          verdict.equals("OK") ? Outcome.PASSED : Outcome.WRONG_ANSWER,
          r.wallTime(),
          verdict.equals("OK") ? "" : tail(verdict));
    }
    boolean same;
    try {
      same = jsonEquals(JSON.readTree(verdict), expected, tolerance);
    } catch (JacksonException e) {
      same = false;
    }
    return new CaseResult(
        index,
        same ? Outcome.PASSED : Outcome.WRONG_ANSWER,
        r.wallTime(),
        same ? "" : tail(verdict));
  }

  /** The payload of the last stdout line starting with the nonce, or null. */
  static String verdictLine(String stdout, String nonce) {
    String[] lines = stdout.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (lines[i].startsWith(nonce + " ")) {
        return lines[i].substring(nonce.length() + 1).strip();
      }
      if (!lines[i].isBlank()) {
        return null; // the verdict must be the last thing printed
      }
    }
    return null;
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
