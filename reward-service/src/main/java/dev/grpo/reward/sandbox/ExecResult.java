package dev.grpo.reward.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What one sandboxed command did.
 *
 * @param termination how it ended
 * @param exitCode exit status as the shell reports it (128+signal when killed), -1 if unknown
 * @param stdout captured stdout, at most the policy's cap
 * @param stderr captured stderr, at most the policy's cap
 * @param wallTime elapsed wall-clock time
 * @param message infrastructure detail when {@code termination == SANDBOX_ERROR}
 */
public record ExecResult(
    Termination termination,
    int exitCode,
    byte[] stdout,
    byte[] stderr,
    Duration wallTime,
    String message) {

  public enum Termination {
    /** Exited by itself (any exit code, including deaths by signal it brought on itself). */
    EXITED,
    /** Killed at the wall-clock deadline, or by RLIMIT_CPU. */
    TIMEOUT,
    /** Killed because stdout or stderr exceeded its cap. */
    OUTPUT_LIMIT,
    /** The sandbox itself failed; not the program's fault. */
    SANDBOX_ERROR
  }

  public static final int SIGKILL_EXIT = 128 + 9;
  public static final int SIGXCPU_EXIT = 128 + 24;
  public static final int SIGXFSZ_EXIT = 128 + 25;

  public static ExecResult sandboxError(String message, Duration wallTime) {
    return new ExecResult(
        Termination.SANDBOX_ERROR, -1, new byte[0], new byte[0], wallTime, message);
  }

  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  public boolean success() {
    return termination == Termination.EXITED && exitCode == 0;
  }
}
