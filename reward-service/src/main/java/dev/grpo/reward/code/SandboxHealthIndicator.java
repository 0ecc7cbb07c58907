package dev.grpo.reward.code;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** The sandbox in the readiness group: a service that cannot sandbox code takes no traffic. */
@Component("sandbox")
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
