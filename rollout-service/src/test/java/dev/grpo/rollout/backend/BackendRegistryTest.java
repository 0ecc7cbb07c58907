package dev.grpo.rollout.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.rollout.config.RolloutProperties;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendRegistryTest {

  private final List<String> closed = new ArrayList<>();

  /** A backend that only knows its name; enough to test the registry's wiring. */
  private final BackendFactory stubs =
      new BackendFactory() {
        @Override
        public String type() {
          return "openai";
        }

        @Override
        public InferenceBackend create(RolloutProperties.Backend config, Duration timeout) {
          return new InferenceBackend() {
            public String name() {
              return config.name();
            }

            public String type() {
              return "openai";
            }

            public Generation generate(GenerationBatch batch) {
              throw new UnsupportedOperationException();
            }

            public BackendHealth health() {
              return new BackendHealth(true, 0, List.of());
            }

            public long policyVersion() {
              return 0;
            }

            public String checkpointUri() {
              return null;
            }

            public boolean syncWeights(WeightUpdate update) {
              return false;
            }

            public void close() {
              closed.add(config.name());
            }
          };
        }
      };

  private static RolloutProperties.Backend backend(String name, String type) {
    return BackendConfigs.backend(name, type, URI.create("http://vllm-0:8000"));
  }

  private static RolloutProperties properties(
      String defaultBackend, RolloutProperties.Backend... b) {
    return new RolloutProperties("k", Duration.ofSeconds(120), 16384, defaultBackend, List.of(b));
  }

  @Test
  void theFirstBackendIsTheDefaultUnlessOneIsNamed() {
    BackendRegistry registry =
        new BackendRegistry(
            properties(null, backend("vllm", "openai"), backend("sglang", "openai")),
            List.of(stubs));
    assertThat(registry.defaultName()).isEqualTo("vllm");
    assertThat(registry.find(null).orElseThrow().name()).isEqualTo("vllm");
    assertThat(registry.find("sglang").orElseThrow().name()).isEqualTo("sglang");
    assertThat(registry.find("djl")).isEmpty();

    BackendRegistry named =
        new BackendRegistry(
            properties("sglang", backend("vllm", "openai"), backend("sglang", "openai")),
            List.of(stubs));
    assertThat(named.find(null).orElseThrow().name()).isEqualTo("sglang");
    named.destroy();
    assertThat(closed).containsExactly("vllm", "sglang");
  }

  @Test
  void misconfigurationStopsTheStart() {
    assertThatThrownBy(
            () -> new BackendRegistry(properties(null, backend("x", "tgi")), List.of(stubs)))
        .hasMessageContaining("unknown type 'tgi'")
        .hasMessageContaining("openai");
    assertThatThrownBy(
            () ->
                new BackendRegistry(
                    properties(null, backend("x", "openai"), backend("x", "openai")),
                    List.of(stubs)))
        .hasMessageContaining("used twice");
    assertThatThrownBy(
            () -> new BackendRegistry(properties("y", backend("x", "openai")), List.of(stubs)))
        .hasMessageContaining("'y' is not configured");
  }

  @Test
  void withNoBackendsNothingIsTheDefault() {
    BackendRegistry registry = new BackendRegistry(properties(null), List.of(stubs));
    assertThat(registry.defaultName()).isNull();
    assertThat(registry.find(null)).isEmpty();
  }
}
