package dev.grpo.reward.math;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hugging Face's Math-Verify (Python) run as a subprocess through our driver {@code
 * src/test/python/math_verify_driver.py}, so a bench can put it beside our verifier on the same
 * inputs in the same run. Found via {@code -Dmathverify.pythonpath} or {@code
 * MATH_VERIFY_PYTHONPATH} (a checkout's source directories, colon-separated; empty when {@code pip
 * install math-verify} put it on the interpreter's own path) and {@code -Dmathverify.python} or
 * {@code MATH_VERIFY_PYTHON} (default {@code python3}).
 */
final class MathVerifyReference {

  static final String DRIVER = "src/test/python/math_verify_driver.py";
  static final String HOW_TO_PROVIDE =
      "pip install math-verify (then it is found by python3), or point MATH_VERIFY_PYTHONPATH at"
          + " checkouts: <Math-Verify>/src:<latex2sympy2_extended>/src with the ANTLR 4.13.2 parser"
          + " generated into latex2sympy2_extended/gen/antlr4_13_2; MATH_VERIFY_PYTHON picks the"
          + " interpreter";

  /** Math-Verify's timing and verdicts on a list of pairs. */
  record PairsRun(
      String version,
      int pairs,
      double cpuSeconds,
      double userSeconds,
      int correct,
      List<Integer> misses) {
    double perCpuSecond() {
      return pairs / cpuSeconds;
    }

    /** Counting user time only: a bound in Math-Verify's favour when the system time is noise. */
    double perUserSecond() {
      return pairs / userSeconds;
    }
  }

  /** Math-Verify's agreement with the conformance table's {@code expected} column. */
  record ConformanceRun(int rows, int agree, List<String> disagreements) {}

  private final String python;
  private final String pythonPath;
  private final Path driver;

  private MathVerifyReference(String python, String pythonPath, Path driver) {
    this.python = python;
    this.pythonPath = pythonPath;
    this.driver = driver;
  }

  /**
   * The reference when the driver is found and {@code import math_verify} succeeds, else null with
   * the reason printed to {@code why}.
   */
  static MathVerifyReference locate(StringBuilder why) {
    String python = setting("mathverify.python", "MATH_VERIFY_PYTHON", "python3");
    String pythonPath = setting("mathverify.pythonpath", "MATH_VERIFY_PYTHONPATH", "");
    Path driver = locateDriver();
    if (driver == null) {
      why.append(DRIVER).append(" not found from ").append(Path.of("").toAbsolutePath());
      return null;
    }
    MathVerifyReference reference = new MathVerifyReference(python, pythonPath, driver);
    try {
      List<String> out = reference.run(List.of("-c", "import math_verify"), false);
      if (out == null) {
        why.append("`")
            .append(python)
            .append(" -c 'import math_verify'` failed (PYTHONPATH=")
            .append(pythonPath.isEmpty() ? "unset" : pythonPath)
            .append(")");
        return null;
      }
    } catch (IOException e) {
      why.append("cannot run ").append(python).append(": ").append(e.getMessage());
      return null;
    }
    return reference;
  }

  private static String setting(String property, String env, String fallback) {
    String value = System.getProperty(property);
    if (value == null) {
      value = System.getenv(env);
    }
    return value == null ? fallback : value;
  }

  private static Path locateDriver() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      for (Path candidate : List.of(dir.resolve(DRIVER), dir.resolve("reward-service/" + DRIVER))) {
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  /**
   * Runs Math-Verify on the pairs (gold = box content, completion = whole text): the first {@code
   * warmup} pairs once untimed, then every pair once under {@code time.process_time()}.
   */
  PairsRun verifyPairs(List<MathSolutions.Pair> pairs, int warmup) throws IOException {
    Path file = Files.createTempFile("math-verify-pairs", ".jsonl");
    try {
      JsonMapper json = JsonMapper.builder().build();
      List<String> lines = new ArrayList<>();
      for (MathSolutions.Pair p : pairs) {
        lines.add(json.writeValueAsString(Map.of("gold", p.gold(), "completion", p.solution())));
      }
      Files.write(file, lines, StandardCharsets.UTF_8);
      List<String> out =
          run(List.of(driver.toString(), "pairs", file.toString(), Integer.toString(warmup)), true);
      if (out == null) {
        throw new IOException("Math-Verify driver failed on " + file);
      }
      String version = "?";
      int count = 0;
      double seconds = 0;
      double userSeconds = 0;
      int correct = 0;
      List<Integer> misses = new ArrayList<>();
      for (String line : out) {
        String[] kv = line.split(" ", 2);
        switch (kv[0]) {
          case "version" -> version = kv[1];
          case "pairs" -> count = Integer.parseInt(kv[1]);
          case "cpu_seconds" -> seconds = Double.parseDouble(kv[1]);
          case "user_seconds" -> userSeconds = Double.parseDouble(kv[1]);
          case "correct" -> correct = Integer.parseInt(kv[1]);
          case "miss" -> misses.add(Integer.parseInt(kv[1]));
          default -> {}
        }
      }
      if (count != pairs.size()) {
        throw new IOException("Math-Verify driver reported " + count + " pairs: " + out);
      }
      return new PairsRun(version, count, seconds, userSeconds, correct, misses);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Math-Verify on every enabled row of the conformance table, each with the row's settings. */
  ConformanceRun conformance(Path table) throws IOException {
    List<String> out = run(List.of(driver.toString(), "conformance", table.toString()), true);
    if (out == null) {
      throw new IOException("Math-Verify driver failed on " + table);
    }
    int rows = 0;
    int agree = 0;
    List<String> disagreements = new ArrayList<>();
    for (String line : out) {
      String[] kv = line.split(" ", 2);
      switch (kv[0]) {
        case "rows" -> rows = Integer.parseInt(kv[1]);
        case "agree" -> agree = Integer.parseInt(kv[1]);
        case "disagree" -> disagreements.add(kv[1]);
        default -> {}
      }
    }
    return new ConformanceRun(rows, agree, disagreements);
  }

  /** stdout lines of {@code python args}, or null when it exits non-zero. */
  private List<String> run(List<String> args, boolean showErrors) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(python);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    if (!pythonPath.isEmpty()) {
      builder.environment().put("PYTHONPATH", pythonPath);
    }
    builder.redirectError(
        showErrors ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(30, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        return null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return null;
    }
    return process.exitValue() == 0 ? stdout.lines().toList() : null;
  }
}
