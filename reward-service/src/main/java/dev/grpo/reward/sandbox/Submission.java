package dev.grpo.reward.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A submission written to its private directory, compiled once, runnable many times. */
public final class Submission implements AutoCloseable {

  private final SandboxRunner runner;
  private final SandboxMetrics metrics;
  private final Path dir;
  private final Path box;
  private final Language language;
  private final String sourceFile;
  private final AtomicInteger runs = new AtomicInteger();
  private final Consumer<Path> deleteDir;
  private ExecResult compileResult;

  Submission(
      SandboxRunner runner,
      SandboxMetrics metrics,
      Path dir,
      Path box,
      Language language,
      String sourceFile,
      Consumer<Path> deleteDir) {
    this.runner = runner;
    this.metrics = metrics;
    this.dir = dir;
    this.box = box;
    this.language = language;
    this.sourceFile = sourceFile;
    this.deleteDir = deleteDir;
  }

  public void compile(SandboxPolicy policy) {
    SandboxPolicy effective =
        policy
            .withMemoryMb(policy.memoryMb() + language.extraAddressSpaceMb())
            .withMaxProcesses(policy.maxProcesses() + language.extraProcesses());
    compileResult =
        metrics.record(
            language,
            SandboxMetrics.Phase.COMPILE,
            runner.run(
                box,
                SandboxRunner.Mount.READ_WRITE,
                language.compileCommand(sourceFile, policy.memoryMb()),
                effective,
                null,
                Map.of(),
                language.extraReadOnlyPaths()));
  }

  /** The compiler's result, or null for interpreted languages. */
  public ExecResult compileResult() {
    return compileResult;
  }

  /** True when there is nothing to compile or compilation succeeded. */
  public boolean runnable() {
    return compileResult == null || compileResult.success();
  }

  public Language language() {
    return language;
  }

  /** Runs the program once with the given stdin. */
  public ExecResult run(byte[] stdin, SandboxPolicy policy) {
    if (!runnable()) {
      throw new IllegalStateException("submission did not compile");
    }
    return metrics.record(language, SandboxMetrics.Phase.RUN, runOnce(stdin, policy));
  }

  private ExecResult runOnce(byte[] stdin, SandboxPolicy policy) {
    SandboxPolicy effective =
        policy
            .withMemoryMb(policy.memoryMb() + language.extraAddressSpaceMb())
            .withMaxProcesses(policy.maxProcesses() + language.extraProcesses());
    Path stdinFile = null;
    try {
      if (stdin != null && stdin.length > 0) {
        stdinFile = dir.resolve("stdin-" + runs.incrementAndGet());
        Files.write(stdinFile, stdin);
      }
      return runner.run(
          box,
          SandboxRunner.Mount.READ_ONLY_FILES_ON_TMPFS,
          language.runCommand(sourceFile, policy.memoryMb()),
          effective,
          stdinFile,
          Map.of("PYTHONDONTWRITEBYTECODE", "1"),
          language.extraReadOnlyPaths());
    } catch (IOException e) {
      return ExecResult.sandboxError("cannot write stdin: " + e, java.time.Duration.ZERO);
    } finally {
      if (stdinFile != null) {
        try {
          Files.deleteIfExists(stdinFile);
        } catch (IOException ignored) {
          // removed with the directory
        }
      }
    }
  }

  @Override
  public void close() {
    deleteDir.accept(dir);
  }
}
