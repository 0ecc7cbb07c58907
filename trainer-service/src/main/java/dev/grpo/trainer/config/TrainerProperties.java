package dev.grpo.trainer.config;

import dev.grpo.api.web.ApiKeySource;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The trainer's settings ({@code grpo.trainer.*}).
 *
 * @param apiKey the bearer key mutating requests must carry; set it with {@code GRPO_API_KEY}
 * @param maxPageSize the largest page {@code GET /runs} returns
 */
@Validated
@ConfigurationProperties("grpo.trainer")
public record TrainerProperties(
    @NotBlank(message = "must be set, for example through the GRPO_API_KEY environment variable")
        String apiKey,
    @DefaultValue("200") @Min(1) @Max(10_000) int maxPageSize)
    implements ApiKeySource {}
