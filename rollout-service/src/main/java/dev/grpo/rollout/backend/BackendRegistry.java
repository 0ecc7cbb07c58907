package dev.grpo.rollout.backend;

import dev.grpo.rollout.config.RolloutProperties;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The configured backends by name, built at start-up from {@code grpo.rollout.backends} by the
 * factory of each entry's type. A misconfigured entry (unknown type, duplicate name, unknown
 * default) stops the service from starting.
 */
@Component
public class BackendRegistry implements DisposableBean {

  private final Map<String, InferenceBackend> backends = new LinkedHashMap<>();
  private final String defaultName;

  public BackendRegistry(RolloutProperties properties, List<BackendFactory> factories) {
    Map<String, BackendFactory> byType =
        factories.stream().collect(Collectors.toMap(BackendFactory::type, f -> f));
    for (RolloutProperties.Backend config : properties.backends()) {
      BackendFactory factory = byType.get(config.type());
      if (factory == null) {
        throw new IllegalStateException(
            "grpo.rollout.backends: backend '%s' has unknown type '%s'; known types: %s"
                .formatted(config.name(), config.type(), byType.keySet()));
      }
      if (backends.containsKey(config.name())) {
        throw new IllegalStateException(
            "grpo.rollout.backends: the name '" + config.name() + "' is used twice");
      }
      backends.put(config.name(), factory.create(config, properties.requestTimeout()));
    }
    String wanted = properties.defaultBackend();
    if (wanted != null && !backends.containsKey(wanted)) {
      throw new IllegalStateException(
          "grpo.rollout.default-backend '%s' is not configured; configured: %s"
              .formatted(wanted, backends.keySet()));
    }
    this.defaultName =
        wanted != null ? wanted : backends.keySet().stream().findFirst().orElse(null);
  }

  /** The backend of that name, or the default one when {@code name} is null. */
  public Optional<InferenceBackend> find(String name) {
    return Optional.ofNullable(backends.get(name == null ? defaultName : name));
  }

  public Collection<InferenceBackend> all() {
    return List.copyOf(backends.values());
  }

  public List<String> names() {
    return new ArrayList<>(backends.keySet());
  }

  /** The name of the default backend; null when none is configured. */
  public String defaultName() {
    return defaultName;
  }

  @Override
  public void destroy() {
    backends.values().forEach(InferenceBackend::close);
  }
}
