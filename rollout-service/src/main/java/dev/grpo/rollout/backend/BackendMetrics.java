package dev.grpo.rollout.backend;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * {@code rollout.queue.depth{backend}}: requests each backend has in flight or waiting for an
 * endpoint. A depth that stays high while {@code rate(rollout_tokens_total[1m])} is flat means the
 * pods are saturated.
 */
@Component
class BackendMetrics implements MeterBinder {

  private final BackendRegistry registry;

  BackendMetrics(BackendRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    for (InferenceBackend backend : registry.all()) {
      Gauge.builder("rollout.queue.depth", backend, b -> (double) b.health().outstandingRequests())
          .description("inference requests in flight or waiting for an endpoint")
          .tag("backend", backend.name())
          .register(meters);
    }
  }
}
