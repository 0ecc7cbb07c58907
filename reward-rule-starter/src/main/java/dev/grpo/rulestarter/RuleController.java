package dev.grpo.rulestarter;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.remote.RemoteRuleProtocol;
import dev.grpo.api.reward.remote.RemoteScoreRequest;
import dev.grpo.api.reward.remote.RemoteScoreResponse;
import dev.grpo.rule.RewardRule;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The remote rule protocol over HTTP: {@code POST /score}, {@code GET /health}, and {@code GET
 * /rule}. Errors of the request as a whole are RFC 9457 problems (rendered by the {@code api}
 * module's handler); a problem with one item is that item's {@code INVALID_INPUT}, so the other
 * items of the group still get their scores.
 */
@RestController
class RuleController {

  private final RewardRule rule;
  private final RuleScorer scorer;
  private final RuleProperties properties;
  private final ObjectProvider<HealthEndpoint> health;
  private final ObjectProvider<RuleSelfRegistration> registration;

  RuleController(
      RewardRule rule,
      RuleScorer scorer,
      RuleProperties properties,
      ObjectProvider<HealthEndpoint> health,
      ObjectProvider<RuleSelfRegistration> registration) {
    this.rule = rule;
    this.scorer = scorer;
    this.properties = properties;
    this.health = health;
    this.registration = registration;
  }

  /** One result per item, in request order. */
  @PostMapping(path = RemoteRuleProtocol.SCORE_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
  RemoteScoreResponse score(@RequestBody(required = false) RemoteScoreRequest request) {
    if (request == null || request.items() == null) {
      throw new InvalidRequestException(
          List.of(new FieldProblem("items", "must be an array of items")));
    }
    List<RemoteScoreRequest.Item> items = request.items();
    if (items.size() > properties.maxBatch()) {
      throw new ApiException(
          HttpStatus.CONTENT_TOO_LARGE,
          "batch-too-large",
          "a request may carry at most "
              + properties.maxBatch()
              + " items (grpo.rule.max-batch), this one has "
              + items.size());
    }
    return new RemoteScoreResponse(scorer.score(items));
  }

  /**
   * 200 while the application's health (the actuator's, when it has one) is UP, else 503: the
   * reward service marks the rule DOWN and stops calling it until this answers 2xx again.
   */
  @GetMapping(path = RemoteRuleProtocol.HEALTH_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> health() {
    HealthEndpoint endpoint = health.getIfAvailable();
    Status status = endpoint == null ? Status.UP : endpoint.health().getStatus();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status.getCode());
    body.put("rule", rule.name());
    body.put("version", rule.version());
    return ResponseEntity.status(
            Status.UP.equals(status) ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
        .body(body);
  }

  @GetMapping(path = "/rule", produces = MediaType.APPLICATION_JSON_VALUE)
  RuleDescription describe() {
    RuleSelfRegistration self = registration.getIfAvailable();
    return new RuleDescription(
        rule.name(),
        rule.version(),
        rule.description(),
        scorer.groupLevel(),
        rule.params(),
        properties.timeBudget().toMillis(),
        properties.maxBatch(),
        scorer.virtualThreads(),
        self == null ? null : self.status());
  }
}
