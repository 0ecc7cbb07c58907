package dev.grpo.reward.config;

import dev.grpo.reward.sandbox.SandboxAvailability;
import dev.grpo.reward.sandbox.SandboxService;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** The sandbox in the readiness group: a service that cannot sandbox code takes no traffic. */
class SandboxHealthIndicator implements HealthIndicator {

  private final SandboxService service;

  SandboxHealthIndicator(SandboxService service) {
    this.service = service;
  }

  @Override
  public Health health() {
    SandboxAvailability a = service.availability();
    if (!a.available()) {
      return Health.down().withDetail("reason", a.reason()).build();
    }
    return Health.up()
        .withDetail("workers", service.executor().workers())
        .withDetail("queued", service.executor().queued())
        .build();
  }
}
