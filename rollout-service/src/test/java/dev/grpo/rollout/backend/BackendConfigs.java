package dev.grpo.rollout.backend;

import dev.grpo.rollout.config.RolloutProperties;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Backend settings for tests that only wire backends together: one endpoint, the defaults. */
final class BackendConfigs {

  private BackendConfigs() {}

  static RolloutProperties.Backend backend(String name, String type, URI endpoint) {
    return new RolloutProperties.Backend(
        name,
        type,
        List.of(endpoint),
        "m",
        8,
        null,
        3,
        Duration.ofMillis(200),
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        Duration.ofSeconds(5),
        null,
        null,
        null,
        null,
        0,
        "vllm");
  }
}
