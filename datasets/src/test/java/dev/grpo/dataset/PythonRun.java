package dev.grpo.dataset;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs a Python program with the machine's python3 and tells whether it exited with 0. */
final class PythonRun {

  private PythonRun() {}

  static boolean passes(String program) throws Exception {
    Path file = Files.createTempFile("dataset-check", ".py");
    try {
      Files.writeString(file, program, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder("python3", file.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The code of a ```python fenced block. */
  static String unfenced(String fenced) {
    return fenced.replaceFirst("^```python\n", "").replaceFirst("```$", "");
  }
}
