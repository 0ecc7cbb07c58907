package dev.grpo.api.rollout;

import java.util.List;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;
import org.springframework.web.service.annotation.PostExchange;

/**
 * The rollout service over HTTP, for the trainer: build it with {@code HttpServiceProxyFactory}
 * over a {@code RestClient} whose base URL is the service and which sends the bearer API key.
 */
@HttpExchange("/api/v1")
public interface RolloutClient {

  @PostExchange("/rollouts")
  RolloutResponse rollout(@RequestBody RolloutRequest request);

  @PostExchange("/policies/sync")
  PolicySyncResponse sync(@RequestBody PolicySyncRequest request);

  @GetExchange("/backends")
  List<BackendStatus> backends();
}
