package dev.grpo.rollout.backend;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * Per backend, read at each scrape: {@code rollout.queue.depth{backend}}, requests in flight or
 * waiting for an endpoint (a depth that stays high while {@code rate(rollout_tokens_total[1m])} is
 * flat means the pods are saturated); and {@code rollout.backend.up{backend}}, 1 while at least one
 * endpoint is healthy and 0 otherwise (the {@code RolloutBackendDown} alert).
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
      Gauge.builder("rollout.backend.up", backend, b -> b.health().healthy() ? 1.0 : 0.0)
          .description("1 while the backend has a healthy endpoint, 0 when it has none")
          .tag("backend", backend.name())
          .register(meters);
    }
  }
}
