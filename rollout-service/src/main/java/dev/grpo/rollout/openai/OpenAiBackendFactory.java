package dev.grpo.rollout.openai;

import dev.grpo.rollout.backend.BackendFactory;
import dev.grpo.rollout.backend.InferenceBackend;
import dev.grpo.rollout.config.RolloutProperties;
import java.time.Duration;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Builds the {@code type: openai} backends. */
@Component
class OpenAiBackendFactory implements BackendFactory {

  private final JsonMapper mapper = JsonMapper.builder().build();

  @Override
  public String type() {
    return "openai";
  }

  @Override
  public InferenceBackend create(RolloutProperties.Backend config, Duration defaultTimeout) {
    if (config.endpoints() == null || config.endpoints().isEmpty()) {
      throw new IllegalArgumentException(
          "grpo.rollout.backends["
              + config.name()
              + "].endpoints: an openai backend needs at least"
              + " one endpoint URL");
    }
    return new OpenAiBackend(config, defaultTimeout, mapper);
  }
}
