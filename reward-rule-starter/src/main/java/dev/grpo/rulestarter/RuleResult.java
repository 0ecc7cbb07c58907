package dev.grpo.rulestarter;

import dev.grpo.api.reward.remote.RemoteRuleStatus;
import dev.grpo.api.reward.remote.RemoteScoreResponse;
import java.util.Map;

/**
 * What a rule found on one completion. A score is present exactly when the status is {@code OK} and
 * it is finite; anything else cannot be built, so a failure never travels as a 0.
 *
 * @param status what happened
 * @param score the reward; only for OK
 * @param details what the rule found, shown in the reward service's score response; for a status
 *     other than OK, {@code reason} says why
 */
public record RuleResult(RemoteRuleStatus status, Double score, Map<String, Object> details) {

  public RuleResult {
    // the wire record holds the invariant; building one checks it
    RemoteScoreResponse.Result wire = new RemoteScoreResponse.Result(status, score, details);
    details = wire.details();
  }

  public static RuleResult ok(double score) {
    return new RuleResult(RemoteRuleStatus.OK, score, Map.of());
  }

  public static RuleResult ok(double score, Map<String, Object> details) {
    return new RuleResult(RemoteRuleStatus.OK, score, details);
  }

  /** The rule does not apply to this item, e.g. it has no reference to compare with. */
  public static RuleResult notApplicable(String reason) {
    return other(RemoteRuleStatus.NOT_APPLICABLE, reason, Map.of());
  }

  /** The item is malformed for this rule. */
  public static RuleResult invalidInput(String reason) {
    return other(RemoteRuleStatus.INVALID_INPUT, reason, Map.of());
  }

  /** The rule failed on this item. */
  public static RuleResult error(String reason) {
    return other(RemoteRuleStatus.ERROR, reason, Map.of());
  }

  /** The rule failed on this item; {@code details} say more. */
  public static RuleResult error(String reason, Map<String, Object> details) {
    return other(RemoteRuleStatus.ERROR, reason, details);
  }

  /** The rule ran out of time on this item (the starter reports its own time budget itself). */
  public static RuleResult timeout(String reason) {
    return other(RemoteRuleStatus.TIMEOUT, reason, Map.of());
  }

  private static RuleResult other(
      RemoteRuleStatus status, String reason, Map<String, Object> details) {
    RemoteScoreResponse.Result wire = RemoteScoreResponse.Result.of(status, reason, details);
    return new RuleResult(wire.status(), null, wire.details());
  }

  RemoteScoreResponse.Result toWire() {
    return new RemoteScoreResponse.Result(status, score, details);
  }
}
