package dev.grpo.rollout.embedded;

import dev.grpo.rollout.backend.BackendFactory;
import dev.grpo.rollout.backend.InferenceBackend;
import dev.grpo.rollout.config.RolloutProperties;
import java.time.Duration;
import org.springframework.stereotype.Component;

/** {@code type: embedded}: the DJL policy in this JVM; {@code model} is a preset or a directory. */
@Component
class EmbeddedBackendFactory implements BackendFactory {

  @Override
  public String type() {
    return "embedded";
  }

  @Override
  public InferenceBackend create(RolloutProperties.Backend config, Duration defaultTimeout) {
    return new EmbeddedBackend(config.name(), config.model(), config.initialPolicyVersion());
  }
}
