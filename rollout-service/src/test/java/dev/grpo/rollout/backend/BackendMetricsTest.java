package dev.grpo.rollout.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rollout.config.RolloutProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class BackendMetricsTest {

  /** Health per backend name, changed by the test between scrapes. */
  private final Map<String, BackendHealth> health = new ConcurrentHashMap<>();

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
              return health.get(config.name());
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

            public void close() {}
          };
        }
      };

  private static RolloutProperties.Backend backend(String name) {
    return BackendConfigs.backend(name, "openai", URI.create("http://" + name + "-0:8000"));
  }

  @Test
  void upFollowsEachBackendsHealthAtEveryReadAndQueueDepthItsOutstandingRequests() {
    BackendRegistry backends =
        new BackendRegistry(
            new RolloutProperties(
                "k",
                Duration.ofSeconds(120),
                16384,
                null,
                List.of(backend("vllm"), backend("sgl"))),
            List.of(stubs));
    health.put("vllm", new BackendHealth(true, 3, List.of()));
    health.put("sgl", new BackendHealth(false, 0, List.of()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    new BackendMetrics(backends).bindTo(meters);

    assertThat(up(meters, "vllm")).isEqualTo(1.0);
    assertThat(up(meters, "sgl")).isEqualTo(0.0);
    assertThat(meters.get("rollout.queue.depth").tag("backend", "vllm").gauge().value())
        .isEqualTo(3.0);

    // the gauge reads the health when scraped, not when it was registered
    health.put("vllm", new BackendHealth(false, 0, List.of()));
    health.put("sgl", new BackendHealth(true, 0, List.of()));
    assertThat(up(meters, "vllm")).isEqualTo(0.0);
    assertThat(up(meters, "sgl")).isEqualTo(1.0);
  }

  private static double up(SimpleMeterRegistry meters, String backend) {
    return meters.get("rollout.backend.up").tag("backend", backend).gauge().value();
  }
}
