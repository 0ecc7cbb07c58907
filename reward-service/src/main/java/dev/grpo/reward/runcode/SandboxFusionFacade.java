package dev.grpo.reward.runcode;

import dev.grpo.reward.runcode.RunCodeResponse.CommandResult;
import dev.grpo.reward.sandbox.CodeSandbox;
import dev.grpo.reward.sandbox.ExecResult;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.Outcome;
import dev.grpo.reward.sandbox.SandboxBusyException;
import dev.grpo.reward.sandbox.SandboxExecutor;
import dev.grpo.reward.sandbox.SandboxPolicy;
import dev.grpo.reward.sandbox.Submission;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The run_code operation with SandboxFusion's request and response shapes. */
public final class SandboxFusionFacade {

  private final CodeSandbox sandbox;
  private final SandboxExecutor executor;
  private final SandboxPolicy compileDefaults;
  private final SandboxPolicy runDefaults;

  public SandboxFusionFacade(CodeSandbox sandbox, SandboxExecutor executor) {
    this(sandbox, executor, SandboxPolicy.compileDefaults(), SandboxPolicy.runDefaults());
  }

  public SandboxFusionFacade(
      CodeSandbox sandbox,
      SandboxExecutor executor,
      SandboxPolicy compileDefaults,
      SandboxPolicy runDefaults) {
    this.sandbox = sandbox;
    this.executor = executor;
    this.compileDefaults = compileDefaults;
    this.runDefaults = runDefaults;
  }

  /**
   * Queues the request on the bounded executor.
   *
   * @throws SandboxBusyException when the queue is full
   * @throws IllegalArgumentException for an unknown language, bad base64 or bad file names
   */
  public CompletableFuture<RunCodeResponse> submit(RunCodeRequest request) {
    Prepared p = validate(request);
    return executor.submit(() -> execute(request, p));
  }

  /** Runs on the caller's thread (tests, batch tools). */
  public RunCodeResponse runNow(RunCodeRequest request) {
    return execute(request, validate(request));
  }

  private record Prepared(
      Language language, Map<String, byte[]> files, SandboxPolicy compile, SandboxPolicy run) {}

  private Prepared validate(RunCodeRequest r) {
    if (r == null || r.code() == null) {
      throw new IllegalArgumentException("code is required");
    }
    Language language =
        Language.parse(r.language())
            .orElseThrow(
                () -> new IllegalArgumentException("unsupported language: " + r.language()));
    Map<String, byte[]> files = new LinkedHashMap<>();
    long fileBytes = 0;
    if (r.files() != null) {
      for (Map.Entry<String, String> f : r.files().entrySet()) {
        CodeSandbox.checkedRelative(f.getKey());
        if (f.getValue() == null) {
          throw new IllegalArgumentException("files: " + f.getKey() + " has no content (null)");
        }
        byte[] content;
        try {
          content = Base64.getDecoder().decode(f.getValue());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("files: " + f.getKey() + " is not valid base64", e);
        }
        fileBytes += content.length;
        if (fileBytes > SandboxPolicy.MAX_FILE_BYTES) {
          throw new IllegalArgumentException(
              "files: more than " + SandboxPolicy.MAX_FILE_BYTES + " bytes in all");
        }
        files.put(f.getKey(), content);
      }
    }
    SandboxPolicy compile = compileDefaults;
    SandboxPolicy run = runDefaults;
    // the caller may tighten the limits, never lift them past the service's ceilings
    if (r.compileTimeout() != null && r.compileTimeout() > SandboxPolicy.MAX_COMPILE_SECONDS) {
      throw new IllegalArgumentException(
          "compile_timeout: at most " + SandboxPolicy.MAX_COMPILE_SECONDS + " s");
    }
    if (r.runTimeout() != null && r.runTimeout() > SandboxPolicy.MAX_RUN_SECONDS) {
      throw new IllegalArgumentException(
          "run_timeout: at most " + SandboxPolicy.MAX_RUN_SECONDS + " s");
    }
    if (r.memoryLimitMb() != null && r.memoryLimitMb() > SandboxPolicy.MAX_MEMORY_MB) {
      throw new IllegalArgumentException("memory_limit_MB: at most " + SandboxPolicy.MAX_MEMORY_MB);
    }
    if (r.compileTimeout() != null && r.compileTimeout() > 0) {
      compile = compile.withWallTimeout(seconds(r.compileTimeout()));
    }
    if (r.runTimeout() != null && r.runTimeout() > 0) {
      run = run.withWallTimeout(seconds(r.runTimeout()));
    }
    if (r.memoryLimitMb() != null && r.memoryLimitMb() > 0) {
      run = run.withMemoryMb(r.memoryLimitMb());
    }
    return new Prepared(language, files, compile, run);
  }

  private static Duration seconds(double s) {
    return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
  }

  private RunCodeResponse execute(RunCodeRequest request, Prepared p) {
    try (Submission s = sandbox.prepare(request.code(), p.language(), p.files(), p.compile())) {
      CommandResult compile = s.compileResult() == null ? null : toResult(s.compileResult());
      if (s.compileResult() != null
          && s.compileResult().termination() == ExecResult.Termination.SANDBOX_ERROR) {
        return new RunCodeResponse(
            RunCodeResponse.SANDBOX_ERROR, s.compileResult().message(), compile, null);
      }
      if (!s.runnable()) {
        return new RunCodeResponse(RunCodeResponse.FAILED, "compilation failed", compile, null);
      }
      byte[] stdin =
          request.stdin() == null ? null : request.stdin().getBytes(StandardCharsets.UTF_8);
      ExecResult run = s.run(stdin, p.run());
      CommandResult runResult = toResult(run);
      if (run.termination() == ExecResult.Termination.SANDBOX_ERROR) {
        return new RunCodeResponse(
            RunCodeResponse.SANDBOX_ERROR, run.message(), compile, runResult);
      }
      String message =
          switch (Outcome.ofFailedRun(run)) {
            case OUTPUT_LIMIT -> "output limit exceeded";
            case MEMORY_LIMIT -> run.success() ? "" : "memory limit exceeded";
            case TIMEOUT -> "time limit exceeded";
            default -> "";
          };
      return new RunCodeResponse(
          run.success() ? RunCodeResponse.SUCCESS : RunCodeResponse.FAILED,
          message,
          compile,
          runResult);
    } catch (java.io.UncheckedIOException e) {
      return new RunCodeResponse(RunCodeResponse.SANDBOX_ERROR, e.getMessage(), null, null);
    }
  }

  static CommandResult toResult(ExecResult r) {
    String status =
        switch (r.termination()) {
          case TIMEOUT -> CommandResult.TIME_LIMIT_EXCEEDED;
          case SANDBOX_ERROR -> CommandResult.ERROR;
          default -> CommandResult.FINISHED;
        };
    Integer code = r.termination() == ExecResult.Termination.SANDBOX_ERROR ? null : r.exitCode();
    return new CommandResult(
        status, r.wallTime().toNanos() / 1e9, code, r.stdoutText(), r.stderrText());
  }
}
