package dev.grpo.rulestarter;

import dev.grpo.api.reward.remote.RegisterRuleRequest;
import dev.grpo.rule.RewardRule;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import tools.jackson.databind.ObjectMapper;

/**
 * Registers the rule with a reward service once the application is ready: {@code POST
 * {grpo.rule.register.url}/api/v1/rules} with the API key, the rule's name and version, this
 * service's URL and the call timeout. Runs on a background thread so the start is not held up;
 * retries with a doubling back-off on refused connections, timeouts and answers that may change
 * (5xx, 422 when the reward service's health check of this service failed, 429). A 400, 401, 403,
 * 404 or 409 will not change by retrying and ends the attempts at once, logged as an error.
 */
public final class RuleSelfRegistration
    implements ApplicationListener<ApplicationReadyEvent>, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(RuleSelfRegistration.class);
  private static final Set<Integer> FINAL = Set.of(400, 401, 403, 404, 409);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** Where the registration stands. */
  public enum State {
    /** Not attempted yet, or being retried. */
    PENDING,
    /** The reward service answered 201 (registered) or 200 (already registered). */
    REGISTERED,
    /** The reward service refused it in a way retrying cannot change. */
    REFUSED,
    /** Every attempt failed. */
    GAVE_UP
  }

  /**
   * The registration's state for {@code GET /rule}.
   *
   * @param rewardService the reward service's base URL
   * @param selfUrl the URL registered for this service; null before the first attempt
   * @param state where it stands
   * @param attempts how many calls were made
   * @param detail the last answer or failure
   */
  public record Status(
      String rewardService, String selfUrl, State state, int attempts, String detail) {}

  private final RewardRule rule;
  private final RuleProperties.Register config;
  private final ObjectMapper mapper;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private volatile Status status;
  private volatile Thread worker;

  public RuleSelfRegistration(
      RewardRule rule, RuleProperties.Register config, ObjectMapper mapper) {
    this.rule = rule;
    this.config = config;
    this.mapper = mapper;
    this.status = new Status(base(config.url()), null, State.PENDING, 0, "not attempted yet");
  }

  public Status status() {
    return status;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    if (worker != null) {
      return;
    }
    String selfUrl;
    if (config.selfUrl() != null) {
      selfUrl = base(config.selfUrl());
    } else {
      String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
      if (port == null) {
        status =
            new Status(
                status.rewardService(),
                null,
                State.REFUSED,
                0,
                "no local server port: set grpo.rule.register.self-url");
        log.error("not registering rule {}: {}", rule.name(), status.detail());
        return;
      }
      selfUrl = "http://localhost:" + port;
    }
    Thread t = new Thread(() -> registerWithRetries(selfUrl), "reward-rule-registration");
    t.setDaemon(true);
    worker = t;
    t.start();
  }

  /** Tries up to the configured number of attempts; returns the final state. */
  State registerWithRetries(String selfUrl) {
    RegisterRuleRequest body =
        new RegisterRuleRequest(
            rule.name(), rule.version(), selfUrl, Math.toIntExact(config.timeout().toMillis()));
    Duration backoff = config.backoff();
    for (int attempt = 1; attempt <= config.attempts(); attempt++) {
      String detail;
      try {
        HttpResponse<String> response = send(body);
        int code = response.statusCode();
        detail = "HTTP " + code + ": " + truncate(response.body());
        if (code == 200 || code == 201) {
          status = new Status(status.rewardService(), selfUrl, State.REGISTERED, attempt, detail);
          log.info(
              "registered rule {} {} at {} with {} (HTTP {})",
              rule.name(),
              rule.version(),
              selfUrl,
              status.rewardService(),
              code);
          return State.REGISTERED;
        }
        if (FINAL.contains(code)) {
          status = new Status(status.rewardService(), selfUrl, State.REFUSED, attempt, detail);
          log.error(
              "the reward service at {} refused rule {} {}: {}",
              status.rewardService(),
              rule.name(),
              rule.version(),
              detail);
          return State.REFUSED;
        }
      } catch (IOException e) {
        detail =
            e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return status.state();
      }
      boolean last = attempt == config.attempts();
      status =
          new Status(
              status.rewardService(),
              selfUrl,
              last ? State.GAVE_UP : State.PENDING,
              attempt,
              detail);
      if (last) {
        log.error(
            "gave up registering rule {} with {} after {} attempts; last: {}",
            rule.name(),
            status.rewardService(),
            attempt,
            detail);
        return State.GAVE_UP;
      }
      log.warn(
          "registering rule {} with {} failed (attempt {} of {}): {}; retrying in {} ms",
          rule.name(),
          status.rewardService(),
          attempt,
          config.attempts(),
          detail,
          backoff.toMillis());
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return status.state();
      }
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
    return status.state();
  }

  private HttpResponse<String> send(RegisterRuleRequest body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(status.rewardService() + "/api/v1/rules"))
            // the reward service checks GET {selfUrl}/health within the timeout before answering
            .timeout(config.timeout().plusSeconds(10))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("Authorization", "Bearer " + config.apiKey())
            .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void destroy() {
    Thread t = worker;
    if (t != null) {
      t.interrupt();
    }
  }

  private static String base(URI uri) {
    String s = uri.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String truncate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
