package dev.grpo.reward.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A submission written to its private directory, compiled once, runnable many times. */
public final class Submission implements AutoCloseable {

  private final SandboxRunner runner;
  private final WarmPool warm;
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
      WarmPool warm,
      SandboxMetrics metrics,
      Path dir,
      Path box,
      Language language,
      String sourceFile,
      Consumer<Path> deleteDir) {
    this.runner = runner;
    this.warm = warm;
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
    List<String> command = language.runCommand(sourceFile, policy.memoryMb());
    Map<String, String> env = Map.of("PYTHONDONTWRITEBYTECODE", "1");
    WarmPool.Shape shape = null;
    try {
      if (!language.compiled()) {
        Optional<List<String>> files = WarmPool.files(box);
        if (files.isPresent()) {
          shape =
              new WarmPool.Shape(
                  command,
                  WarmPool.Limits.of(effective),
                  env,
                  language.extraReadOnlyPaths(),
                  files.get());
          Optional<SandboxRunner.Parked> parked = warm.claim(shape);
          if (parked.isPresent()) {
            metrics.started(true);
            return warm.run(parked.get(), shape, box, stdin, effective);
          }
        }
      }
      metrics.started(false);
      return runCold(stdin, effective, command, env);
    } catch (IOException e) {
      return ExecResult.sandboxError("cannot list the submission: " + e, Duration.ZERO);
    } finally {
      if (shape != null) {
        warm.replenish(shape);
      }
    }
  }

  private ExecResult runCold(
      byte[] stdin, SandboxPolicy effective, List<String> command, Map<String, String> env) {
    Path stdinFile = null;
    try {
      if (stdin != null && stdin.length > 0) {
        stdinFile = dir.resolve("stdin-" + runs.incrementAndGet());
        Files.write(stdinFile, stdin);
      }
      return runner.run(
          box,
          SandboxRunner.Mount.READ_ONLY_FILES_ON_TMPFS,
          command,
          effective,
          stdinFile,
          env,
          language.extraReadOnlyPaths());
    } catch (IOException e) {
      return ExecResult.sandboxError("cannot write stdin: " + e, Duration.ZERO);
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
