package dev.grpo.rollout.backend;

import dev.grpo.rollout.config.RolloutProperties;
import java.time.Duration;

/** Builds the backends of one {@code type}; a bean per type plugs a new kind of backend in. */
public interface BackendFactory {

  String type();

  /**
   * @param defaultTimeout the service-wide request timeout, for configs without their own
   */
  InferenceBackend create(RolloutProperties.Backend config, Duration defaultTimeout);
}
