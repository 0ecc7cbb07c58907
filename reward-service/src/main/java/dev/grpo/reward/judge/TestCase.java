package dev.grpo.reward.judge;

/** One test of a submission. */
public sealed interface TestCase {

  /** Feed {@code stdin}, compare stdout with {@code expectedStdout}. Any language. */
  record Stdio(String stdin, String expectedStdout, OutputComparison comparison)
      implements TestCase {
    public Stdio {
      if (stdin == null || expectedStdout == null || comparison == null) {
        throw new IllegalArgumentException("stdin, expectedStdout and comparison are required");
      }
    }

    public Stdio(String stdin, String expectedStdout) {
      this(stdin, expectedStdout, OutputComparison.DEFAULT);
    }
  }

  /**
   * Python only: call {@code functionName(*args)} (a top-level function, or a method of class
   * {@code Solution}) and compare its JSON-encoded result with {@code expectedJson}. Numbers match
   * within {@code tolerance} (0 = exactly). The expected value never enters the sandbox.
   */
  record PythonCall(String functionName, String argsJson, String expectedJson, double tolerance)
      implements TestCase {
    public PythonCall {
      if (functionName == null || !functionName.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("bad function name: " + functionName);
      }
      if (argsJson == null || expectedJson == null || tolerance < 0) {
        throw new IllegalArgumentException("argsJson and expectedJson are required");
      }
    }

    public PythonCall(String functionName, String argsJson, String expectedJson) {
      this(functionName, argsJson, expectedJson, 0);
    }
  }

  /** Python only: run {@code assertCode} (e.g. {@code assert f(2) == 4}) after the solution. */
  record PythonAssert(String assertCode) implements TestCase {
    public PythonAssert {
      if (assertCode == null || assertCode.isBlank()) {
        throw new IllegalArgumentException("assertCode is required");
      }
    }
  }
}
