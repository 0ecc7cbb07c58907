package dev.grpo.trainer.step;

import dev.grpo.api.reward.RewardClient;
import dev.grpo.api.rollout.RolloutClient;
import dev.grpo.trainer.config.TrainerProperties;
import dev.grpo.web.Correlation;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * The rollout and reward services as the orchestrator calls them: HTTP-interface clients with the
 * bearer key, and a retry loop that rides out a service that is down or restarting (connection
 * refused, timeouts, 5xx, 429) until {@code retry-timeout}, with capped exponential backoff. A 4xx
 * answer is the caller's mistake and is not retried.
 */
@Component
class ServiceCalls {

  private static final Logger log = LoggerFactory.getLogger(ServiceCalls.class);

  /** A call that failed for good: a 4xx answer, or a service that stayed away too long. */
  static final class CallFailedException extends RuntimeException {
    final int status;

    CallFailedException(String message, int status, Throwable cause) {
      super(message, cause);
      this.status = status;
    }
  }

  private final RolloutClient rollout;
  private final RewardClient reward;
  private final Duration retryTimeout;

  @Autowired
  ServiceCalls(TrainerProperties properties) {
    this(
        client(properties, properties.rolloutUrl().toString()).createClient(RolloutClient.class),
        client(properties, properties.rewardUrl().toString()).createClient(RewardClient.class),
        properties.orchestrator().retryTimeout());
  }

  /** Calls through the given clients (a test passes fakes of the services here). */
  ServiceCalls(RolloutClient rollout, RewardClient reward, Duration retryTimeout) {
    this.rollout = rollout;
    this.reward = reward;
    this.retryTimeout = retryTimeout;
  }

  RolloutClient rollout() {
    return rollout;
  }

  RewardClient reward() {
    return reward;
  }

  /**
   * Runs {@code call} until it succeeds, retrying transient failures for up to the retry timeout.
   *
   * @param what names the call in logs and errors
   * @param keepGoing checked before each retry; false (the lease is lost) stops retrying
   */
  <T> T withRetries(String what, BooleanSupplier keepGoing, Supplier<T> call) {
    long deadline = System.nanoTime() + retryTimeout.toNanos();
    long backoffMs = 200;
    int attempt = 0;
    while (true) {
      attempt++;
      try {
        return call.get();
      } catch (HttpClientErrorException e) {
        if (e.getStatusCode().value() != 429) {
          throw new CallFailedException(
              what + " was refused: " + e.getStatusCode().value() + " " + body(e),
              e.getStatusCode().value(),
              e);
        }
        retryOrThrow(what, e, deadline, attempt, keepGoing);
      } catch (HttpServerErrorException | ResourceAccessException e) {
        retryOrThrow(what, e, deadline, attempt, keepGoing);
      }
      sleep(backoffMs);
      backoffMs = Math.min(5_000, backoffMs * 2);
    }
  }

  private static void retryOrThrow(
      String what, RuntimeException e, long deadline, int attempt, BooleanSupplier keepGoing) {
    int status = e instanceof RestClientResponseException r ? r.getStatusCode().value() : 0;
    if (System.nanoTime() > deadline) {
      throw new CallFailedException(
          what + " kept failing for the whole retry timeout: " + e.getMessage(), status, e);
    }
    if (!keepGoing.getAsBoolean()) {
      throw new LeaseLostException("stopped retrying " + what + ": lease lost or shutting down");
    }
    if (attempt == 1 || attempt % 10 == 0) {
      log.warn("{} failed (attempt {}), retrying: {}", what, attempt, e.getMessage());
    }
  }

  static String body(RestClientResponseException e) {
    String body = e.getResponseBodyAsString();
    return body.length() > 500 ? body.substring(0, 500) + "…" : body;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeaseLostException("interrupted");
    }
  }

  private static HttpServiceProxyFactory client(TrainerProperties properties, String baseUrl) {
    Duration timeout = properties.orchestrator().requestTimeout();
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
    factory.setReadTimeout(timeout);
    RestClient rest =
        RestClient.builder()
            .baseUrl(baseUrl)
            .requestFactory(factory)
            .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiKey())
            .requestInterceptor(Correlation.propagating())
            .build();
    return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(rest)).build();
  }
}
