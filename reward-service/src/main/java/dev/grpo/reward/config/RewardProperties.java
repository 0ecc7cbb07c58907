package dev.grpo.reward.config;

import dev.grpo.api.web.ApiKeySource;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The reward service's settings ({@code grpo.reward.*}).
 *
 * @param apiKey the bearer key mutating requests must carry; set it with {@code GRPO_API_KEY}
 * @param ruleTimeout how long one rule may take on one completion before it is a TIMEOUT
 * @param maxBatchItems the largest scoring batch accepted in one request
 */
@Validated
@ConfigurationProperties("grpo.reward")
public record RewardProperties(
    @NotBlank(message = "must be set, for example through the GRPO_API_KEY environment variable")
        String apiKey,
    @DefaultValue("200ms") Duration ruleTimeout,
    @DefaultValue("16384") @Min(1) @Max(1_000_000) int maxBatchItems)
    implements ApiKeySource {}
