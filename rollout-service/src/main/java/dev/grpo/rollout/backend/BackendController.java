package dev.grpo.rollout.backend;

import dev.grpo.api.rollout.BackendStatus;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lists the configured backends with their health per endpoint and their policy version. */
@RestController
@RequestMapping("/api/v1/backends")
class BackendController {

  private final BackendRegistry registry;

  BackendController(BackendRegistry registry) {
    this.registry = registry;
  }

  @GetMapping
  List<BackendStatus> list() {
    return registry.all().stream()
        .map(
            b -> {
              BackendHealth h = b.health();
              return new BackendStatus(
                  b.name(),
                  b.type(),
                  b.name().equals(registry.defaultName()),
                  h.healthy(),
                  b.policyVersion(),
                  b.checkpointUri(),
                  h.outstandingRequests(),
                  h.endpoints());
            })
        .toList();
  }
}
