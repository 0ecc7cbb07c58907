package dev.grpo.api.reward;

import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;
import org.springframework.web.service.annotation.PostExchange;

/**
 * The reward service over HTTP, for the trainer: build it with {@code HttpServiceProxyFactory} over
 * a {@code RestClient} whose base URL is the service and which sends the bearer API key.
 */
@HttpExchange("/api/v1")
public interface RewardClient {

  @PostExchange("/score")
  ScoreResponse score(@RequestBody ScoreRequest request);

  @GetExchange("/rules")
  RuleCatalog rules();
}
