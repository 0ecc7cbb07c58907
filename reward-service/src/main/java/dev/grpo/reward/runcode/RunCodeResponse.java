package dev.grpo.reward.runcode;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * SandboxFusion-compatible response: status "Success" | "Failed" | "SandboxError".
 *
 * @param compileResult null for interpreted languages or when nothing was compiled
 * @param runResult null when the program did not run (compile failure, sandbox error)
 */
public record RunCodeResponse(
    @JsonProperty("status") String status,
    @JsonProperty("message") String message,
    @JsonProperty("compile_result") CommandResult compileResult,
    @JsonProperty("run_result") CommandResult runResult) {

  public static final String SUCCESS = "Success";
  public static final String FAILED = "Failed";
  public static final String SANDBOX_ERROR = "SandboxError";

  /**
   * One command's result: status "Finished" | "Error" | "TimeLimitExceeded".
   *
   * @param executionTime wall seconds
   * @param returnCode exit status (128+signal when killed), null when it never ran
   */
  public record CommandResult(
      @JsonProperty("status") String status,
      @JsonProperty("execution_time") double executionTime,
      @JsonProperty("return_code") Integer returnCode,
      @JsonProperty("stdout") String stdout,
      @JsonProperty("stderr") String stderr) {

    public static final String FINISHED = "Finished";
    public static final String ERROR = "Error";
    public static final String TIME_LIMIT_EXCEEDED = "TimeLimitExceeded";
  }
}
