package dev.grpo.reward.judge;

import dev.grpo.reward.sandbox.SandboxPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Python driver for function-call and assert cases: every such case of a submission runs in one
 * sandbox run of two processes. The trusted checker ({@code checker.py}, the program the sandbox
 * starts) makes itself non-dumpable and runs the solution in an untrusted child ({@code solver.py})
 * that answers calls over pipes with plain data; the checker runs the tests itself, with the
 * solution's names as proxies, and alone writes stdout: one nonce-tagged verdict line per case.
 * Expected values of call cases never enter the sandbox; the service compares them.
 */
final class PythonHarness {

  static final String SOLUTION_FILE = "solution.py";
  static final String SOLVER_FILE = "solver.py";
  static final String CHECKER = resource("checker.py");
  static final String SOLVER = resource("solver.py");

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String RESOURCES = "/dev/grpo/reward/judge/";

  /** Room for one verdict line besides the result itself. */
  private static final int LINE_OVERHEAD = 256;

  /** What the checker said about one case; {@code out} is the result (call) or error text. */
  record Verdict(int index, Kind kind, long millis, String out) {}

  enum Kind {
    PASS,
    RESULT,
    ERROR,
    TIMEOUT,
    MEMORY,
    OUTPUT
  }

  private PythonHarness() {}

  /** The files besides the checker: the solution and the solver. */
  static Map<String, byte[]> files(String solution) {
    return Map.of(
        SOLUTION_FILE, solution.getBytes(StandardCharsets.UTF_8),
        SOLVER_FILE, SOLVER.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The checker's stdin: all cases, the per-case time budget and result size limit.
   *
   * @throws IllegalArgumentException when a call case's arguments are not a JSON array
   */
  static byte[] input(String nonce, long budgetMillis, int resultLimit, List<TestCase> cases) {
    ObjectNode spec = JSON.createObjectNode();
    spec.put("nonce", nonce).put("budget_ms", budgetMillis).put("limit", resultLimit);
    ArrayNode list = spec.putArray("cases");
    for (int i = 0; i < cases.size(); i++) {
      ObjectNode c = list.addObject();
      if (cases.get(i) instanceof TestCase.PythonCall call) {
        JsonNode args;
        try {
          args = JSON.readTree(call.argsJson());
        } catch (JacksonException e) {
          throw new IllegalArgumentException("bad JSON in test case " + i, e);
        }
        if (!args.isArray()) {
          throw new IllegalArgumentException("argsJson must be a JSON array, case " + i);
        }
        c.put("mode", "call").put("fn", call.functionName()).set("args", args);
      } else if (cases.get(i) instanceof TestCase.PythonAssert a) {
        c.put("mode", "assert").put("code", a.assertCode());
      } else {
        throw new IllegalArgumentException("not a Python driver case: " + i);
      }
    }
    return JSON.writeValueAsBytes(spec);
  }

  /**
   * Limits of the one run of {@code caseCount} cases: the checker keeps each case to {@code
   * perCase}'s wall time, so the run's deadline (one budget more, for start-up) is only a backstop;
   * stdout has room for every case's result.
   */
  static SandboxPolicy batchPolicy(SandboxPolicy perCase, int caseCount) {
    SandboxPolicy p =
        perCase.withWallTimeout(perCase.wallTimeout().multipliedBy(caseCount + 1L).plusSeconds(1));
    long stdout = (long) caseCount * (perCase.stdoutLimitBytes() + LINE_OVERHEAD);
    return new SandboxPolicy(
        p.wallTimeout(),
        p.cpuSeconds(),
        p.memoryMb(),
        p.maxProcesses(),
        p.maxFileSizeBytes(),
        p.maxOpenFiles(),
        (int) Math.min(Integer.MAX_VALUE, stdout),
        p.stderrLimitBytes(),
        p.scratchBytes());
  }

  /**
   * The verdicts in case order, stopping at the first line that is not the next case's verdict
   * tagged with {@code nonce}: cases after it have no verdict.
   */
  static List<Verdict> verdicts(String stdout, String nonce, int caseCount) {
    List<Verdict> out = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (out.size() == caseCount || !line.startsWith(nonce + " ")) {
        break;
      }
      Verdict v = verdict(line.substring(nonce.length() + 1));
      if (v == null || v.index() != out.size()) {
        break;
      }
      out.add(v);
    }
    return out;
  }

  private static Verdict verdict(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      Kind kind = Kind.valueOf(n.path("v").asString("").toUpperCase(java.util.Locale.ROOT));
      return new Verdict(
          n.path("i").asInt(-1), kind, n.path("ms").asLong(0), n.path("out").asString(""));
    } catch (JacksonException | IllegalArgumentException e) {
      return null;
    }
  }

  private static String resource(String name) {
    try (InputStream in = PythonHarness.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
