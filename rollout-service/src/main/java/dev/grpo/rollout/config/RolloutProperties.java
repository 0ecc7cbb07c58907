package dev.grpo.rollout.config;

import dev.grpo.api.web.ApiKeySource;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The rollout service's settings ({@code grpo.rollout.*}).
 *
 * @param apiKey the bearer key mutating requests must carry; set it with {@code GRPO_API_KEY}
 * @param requestTimeout how long one call to an inference backend may take
 * @param maxCompletionsPerRequest the largest prompts × n accepted in one rollout request
 */
@Validated
@ConfigurationProperties("grpo.rollout")
public record RolloutProperties(
    @NotBlank(message = "must be set, for example through the GRPO_API_KEY environment variable")
        String apiKey,
    @DefaultValue("120s") Duration requestTimeout,
    @DefaultValue("16384") @Min(1) @Max(1_000_000) int maxCompletionsPerRequest)
    implements ApiKeySource {}
