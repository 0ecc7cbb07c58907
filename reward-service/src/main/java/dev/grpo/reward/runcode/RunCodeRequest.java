package dev.grpo.reward.runcode;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * SandboxFusion-compatible body of {@code POST /api/v1/sandbox/run}.
 *
 * @param code program source
 * @param language python, c, cpp, java, javascript (aliases: python3, c++, nodejs, js)
 * @param stdin standard input, may be null
 * @param compileTimeout seconds, null for the default
 * @param runTimeout seconds, null for the default
 * @param memoryLimitMb MiB, null or -1 for the default
 * @param files extra files for the working directory: relative name → base64 content
 */
public record RunCodeRequest(
    @JsonProperty("code") String code,
    @JsonProperty("language") String language,
    @JsonProperty("stdin") String stdin,
    @JsonProperty("compile_timeout") Double compileTimeout,
    @JsonProperty("run_timeout") Double runTimeout,
    @JsonProperty("memory_limit_MB") Integer memoryLimitMb,
    @JsonProperty("files") Map<String, String> files) {

  public static RunCodeRequest of(String code, String language, String stdin) {
    return new RunCodeRequest(code, language, stdin, null, null, null, null);
  }
}
