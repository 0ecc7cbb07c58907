package dev.grpo.reward.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code llm_judge} rule's endpoints ({@code grpo.reward.judge.*}). Only the operator names
 * where the judge calls; a run picks one by name.
 *
 * @param endpoints by name, e.g. {@code default}
 * @param cacheSize verdicts kept by content hash; 0 keeps none
 */
@Validated
@ConfigurationProperties("grpo.reward.judge")
public record JudgeProperties(
    @DefaultValue Map<String, @Valid Endpoint> endpoints,
    @DefaultValue("100000") @Min(0) int cacheSize) {

  /**
   * One OpenAI-compatible chat endpoint.
   *
   * @param url base URL; {@code /v1/chat/completions} is added
   * @param model the model every request names
   * @param apiKey bearer token, if the endpoint wants one
   * @param maxConcurrency calls in flight at most
   * @param maxTokens the reply's token limit
   */
  public record Endpoint(
      @NotNull URI url,
      @NotBlank String model,
      String apiKey,
      @DefaultValue("4") @Min(1) @Max(256) int maxConcurrency,
      @DefaultValue("512") @Min(1) @Max(32768) int maxTokens) {}
}
