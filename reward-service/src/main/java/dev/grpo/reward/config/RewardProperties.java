package dev.grpo.reward.config;

import dev.grpo.api.reward.ScoreRequest.RuleSpec;
import dev.grpo.web.ApiKeySource;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The reward service's settings ({@code grpo.reward.*}).
 *
 * @param apiKey the bearer key mutating requests must carry; set it with {@code GRPO_API_KEY}
 * @param ruleTimeout how long one rule may take on one completion before it is a TIMEOUT
 * @param maxBatchItems the largest scoring batch accepted in one request
 * @param scoringThreads how many threads score in parallel; 0 means one per available processor
 * @param maxCompletionChars a completion longer than this is scored by no rule: each rule answers
 *     its minimum score with the fault {@code OVER_SIZE} (see the README's status table)
 * @param maxRequestSize the largest request body accepted; a larger one is answered 413 with a
 *     problem document before it is read
 * @param defaultProfile the rules (name, weight, params) of requests that name none, such as
 *     OpenRLHF's {@code /get_reward}; checked at start-up
 * @param openrlhf the OpenRLHF compatibility endpoint
 */
@Validated
@ConfigurationProperties("grpo.reward")
public record RewardProperties(
    @NotBlank(message = "must be set, for example through the GRPO_API_KEY environment variable")
        String apiKey,
    @DefaultValue("200ms") Duration ruleTimeout,
    @DefaultValue("16384") @Min(1) @Max(1_000_000) int maxBatchItems,
    @DefaultValue("0") @Min(0) @Max(1024) int scoringThreads,
    @DefaultValue("1000000") @Min(1) int maxCompletionChars,
    @DefaultValue("64MB") DataSize maxRequestSize,
    @NotEmpty List<@Valid RuleSpec> defaultProfile,
    @DefaultValue @Valid OpenRlhf openrlhf)
    implements ApiKeySource {

  public RewardProperties {
    defaultProfile =
        defaultProfile == null ? List.of(new RuleSpec("format", 1.0, Map.of())) : defaultProfile;
  }

  /** {@code /get_reward} checks the key itself: as a bearer header or as {@code ?api_key=}. */
  @Override
  public java.util.Set<String> keylessPaths() {
    return java.util.Set.of("/get_reward");
  }

  /** The pool size of the scoring engine. */
  public int effectiveScoringThreads() {
    return scoringThreads > 0 ? scoringThreads : Runtime.getRuntime().availableProcessors();
  }

  /**
   * {@code POST /get_reward}.
   *
   * @param enabled whether the endpoint exists
   * @param requireApiKey whether the endpoint needs the API key (the default), as {@code
   *     Authorization: Bearer} or, since OpenRLHF's client sends no headers, as the {@code api_key}
   *     query parameter of the URL given to {@code --reward.remote_url}; false opens it, for a
   *     private network only
   * @param stripSuffixes special tokens removed from the end of a completion, since OpenRLHF
   *     decodes with {@code skip_special_tokens=False}
   */
  public record OpenRlhf(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("true") boolean requireApiKey,
      @DefaultValue({
            "<|im_end|>",
            "<|endoftext|>",
            "<|eot_id|>",
            "<|end_of_text|>",
            "</s>",
            "<｜end▁of▁sentence｜>"
          })
          List<String> stripSuffixes) {}
}
