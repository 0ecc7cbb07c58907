package dev.grpo.rulestarter;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The rule service's settings ({@code grpo.rule.*}), validated at start-up.
 *
 * @param timeBudget how long the rule may take on one item before the item is {@code TIMEOUT}; a
 *     group-level rule gets it times the group's size
 * @param maxBatch the most items one {@code POST /score} may carry (more is 413)
 * @param parallelism how many items are scored at once; 0 means no limit on virtual threads and one
 *     per available processor on platform threads
 * @param virtualThreads whether to score on virtual threads when the JVM has them (Java 21+)
 * @param register self-registration with a reward service at start-up
 */
@Validated
@ConfigurationProperties("grpo.rule")
public record RuleProperties(
    @DefaultValue("1s") @DurationMin(millis = 1) Duration timeBudget,
    @DefaultValue("4096") @Min(1) @Max(1_000_000) int maxBatch,
    @DefaultValue("0") @Min(0) @Max(100_000) int parallelism,
    @DefaultValue("true") boolean virtualThreads,
    @DefaultValue @Valid Register register) {

  /**
   * Registration with a reward service ({@code POST {url}/api/v1/rules}) once the application is
   * ready; skipped when {@code url} is not set.
   *
   * @param url the reward service's base URL, e.g. {@code http://localhost:8083}
   * @param apiKey the reward service's API key (its {@code GRPO_API_KEY}); required with {@code
   *     url}
   * @param selfUrl the base URL the reward service should call this service at; defaults to {@code
   *     http://localhost:{the local port}}. Its host must be on the reward service's {@code
   *     grpo.reward.remote.allowed-hosts}.
   * @param timeout the {@code timeoutMs} to register: how long the reward service waits for one
   *     {@code POST /score} (one group), 1 ms to 60 s
   * @param attempts how many times to try before giving up; a 400, 401, 403, 404 or 409 answer is
   *     final at once
   * @param backoff the wait after the first failed attempt, doubled after each further one, at most
   *     30 s
   */
  public record Register(
      URI url,
      String apiKey,
      URI selfUrl,
      @DefaultValue("5s") @DurationMin(millis = 1) @DurationMax(seconds = 60) Duration timeout,
      @DefaultValue("10") @Min(1) @Max(1000) int attempts,
      @DefaultValue("2s") @DurationMin(millis = 1) Duration backoff) {

    /** Whether self-registration is configured. */
    public boolean enabled() {
      return url != null;
    }

    @AssertTrue(message = "grpo.rule.register.api-key must be set when grpo.rule.register.url is")
    public boolean isApiKeyGivenWithUrl() {
      return url == null || (apiKey != null && !apiKey.isBlank());
    }
  }
}
