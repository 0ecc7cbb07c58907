package dev.grpo.reward.sandbox;

import java.time.Duration;

/**
 * Resource limits for one sandboxed command.
 *
 * @param wallTimeout wall-clock deadline; the whole process tree is killed when it passes
 * @param cpuSeconds RLIMIT_CPU per process (soft; hard is one second more)
 * @param memoryMb address-space limit (RLIMIT_AS) for native programs, heap limit for JVM/V8
 * @param maxProcesses RLIMIT_NPROC for the sandbox uid (tasks, so threads count)
 * @param maxFileSizeBytes RLIMIT_FSIZE
 * @param maxOpenFiles RLIMIT_NOFILE
 * @param stdoutLimitBytes captured stdout cap; more is an output-limit failure
 * @param stderrLimitBytes captured stderr cap; more is an output-limit failure
 * @param scratchBytes size of each tmpfs (/tmp and, when running, /sandbox)
 */
public record SandboxPolicy(
    Duration wallTimeout,
    int cpuSeconds,
    long memoryMb,
    int maxProcesses,
    long maxFileSizeBytes,
    int maxOpenFiles,
    int stdoutLimitBytes,
    int stderrLimitBytes,
    long scratchBytes) {

  /**
   * Ceilings a request or a rule's params may not lift: a run ties up a worker at most this long.
   */
  public static final double MAX_RUN_SECONDS = 30;

  public static final double MAX_COMPILE_SECONDS = 60;
  public static final int MAX_MEMORY_MB = 4096;
  public static final long MAX_FILE_BYTES = 16L << 20;

  public static final int DEFAULT_OUTPUT_LIMIT = 64 * 1024;

  public SandboxPolicy {
    if (wallTimeout == null || wallTimeout.isNegative() || wallTimeout.isZero()) {
      throw new IllegalArgumentException("wallTimeout must be positive");
    }
    if (cpuSeconds <= 0
        || memoryMb <= 0
        || maxProcesses <= 0
        || maxFileSizeBytes <= 0
        || maxOpenFiles <= 0
        || stdoutLimitBytes <= 0
        || stderrLimitBytes <= 0
        || scratchBytes <= 0) {
      throw new IllegalArgumentException("all limits must be positive");
    }
  }

  /** Defaults for running a program: 10 s wall, 512 MiB, 64 tasks, 16 MiB files, 64 KiB output. */
  public static SandboxPolicy runDefaults() {
    return new SandboxPolicy(
        Duration.ofSeconds(10),
        10,
        512,
        64,
        16L << 20,
        64,
        DEFAULT_OUTPUT_LIMIT,
        DEFAULT_OUTPUT_LIMIT,
        64L << 20);
  }

  /** Defaults for compiling: 20 s wall, 1 GiB, 64 tasks, 64 MiB files. */
  public static SandboxPolicy compileDefaults() {
    return new SandboxPolicy(
        Duration.ofSeconds(20),
        20,
        1024,
        64,
        64L << 20,
        256,
        DEFAULT_OUTPUT_LIMIT,
        DEFAULT_OUTPUT_LIMIT,
        256L << 20);
  }

  public SandboxPolicy withWallTimeout(Duration timeout) {
    int cpu = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    return new SandboxPolicy(
        timeout,
        cpu,
        memoryMb,
        maxProcesses,
        maxFileSizeBytes,
        maxOpenFiles,
        stdoutLimitBytes,
        stderrLimitBytes,
        scratchBytes);
  }

  public SandboxPolicy withMemoryMb(long mb) {
    return new SandboxPolicy(
        wallTimeout,
        cpuSeconds,
        mb,
        maxProcesses,
        maxFileSizeBytes,
        maxOpenFiles,
        stdoutLimitBytes,
        stderrLimitBytes,
        scratchBytes);
  }

  public SandboxPolicy withMaxProcesses(int n) {
    return new SandboxPolicy(
        wallTimeout,
        cpuSeconds,
        memoryMb,
        n,
        maxFileSizeBytes,
        maxOpenFiles,
        stdoutLimitBytes,
        stderrLimitBytes,
        scratchBytes);
  }

  public SandboxPolicy withMaxFileSizeBytes(long bytes) {
    return new SandboxPolicy(
        wallTimeout,
        cpuSeconds,
        memoryMb,
        maxProcesses,
        bytes,
        maxOpenFiles,
        stdoutLimitBytes,
        stderrLimitBytes,
        scratchBytes);
  }

  public SandboxPolicy withScratchBytes(long bytes) {
    return new SandboxPolicy(
        wallTimeout,
        cpuSeconds,
        memoryMb,
        maxProcesses,
        maxFileSizeBytes,
        maxOpenFiles,
        stdoutLimitBytes,
        stderrLimitBytes,
        bytes);
  }
}
