package dev.grpo.reward.remote;

import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Remote reward rules ({@code grpo.reward.remote.*}).
 *
 * @param allowedHosts the hosts a registered rule URL may point at (exact, case-insensitive), so
 *     the registration API cannot be used to make this service call arbitrary addresses
 * @param healthInterval how often every registered rule's {@code GET {url}/health} is checked
 */
@Validated
@ConfigurationProperties("grpo.reward.remote")
public record RemoteRuleProperties(
    @DefaultValue({"localhost", "127.0.0.1"}) @NotEmpty List<String> allowedHosts,
    @DefaultValue("30s") Duration healthInterval) {}
