package dev.grpo.rule;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a rule found on one completion. A score is present exactly when the status is {@link
 * RuleStatus#OK} and it is finite ({@link RuleStatus#checkScore}); anything else cannot be built,
 * so a missing input or a failure never turns into a silent 0.
 *
 * @param status what happened
 * @param score the reward; only for OK
 * @param details what the rule found, in the order the rule wrote it; for a status other than OK,
 *     {@code reason} says why
 */
public record RuleResult(RuleStatus status, Double score, Map<String, Object> details) {

  public RuleResult {
    Objects.requireNonNull(status, "status");
    status.checkScore(score);
    // LinkedHashMap keeps the order the rule wrote, which reads better in the ledger's jsonb
    details =
        details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public static RuleResult ok(double score) {
    return new RuleResult(RuleStatus.OK, score, Map.of());
  }

  public static RuleResult ok(double score, Map<String, Object> details) {
    return new RuleResult(RuleStatus.OK, score, details);
  }

  /** The rule does not apply to this item, e.g. it has no reference to compare with. */
  public static RuleResult notApplicable(String reason) {
    return withReason(RuleStatus.NOT_APPLICABLE, reason, Map.of());
  }

  /** The item is malformed for this rule. */
  public static RuleResult invalidInput(String reason) {
    return withReason(RuleStatus.INVALID_INPUT, reason, Map.of());
  }

  /** The rule failed on this item. */
  public static RuleResult error(String reason) {
    return withReason(RuleStatus.ERROR, reason, Map.of());
  }

  /** The rule failed on this item; {@code details} say more. */
  public static RuleResult error(String reason, Map<String, Object> details) {
    return withReason(RuleStatus.ERROR, reason, details);
  }

  /** The rule ran out of time on this item. */
  public static RuleResult timeout(String reason) {
    return withReason(RuleStatus.TIMEOUT, reason, Map.of());
  }

  /** {@code ERROR} for a rule that threw, naming the exception. */
  public static RuleResult thrown(String ruleName, Throwable failure) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("exception", failure.getClass().getName());
    if (failure.getMessage() != null) {
      details.put("message", failure.getMessage());
    }
    return error(
        "rule "
            + ruleName
            + " threw "
            + failure.getClass().getSimpleName()
            + (failure.getMessage() == null ? "" : ": " + failure.getMessage()),
        details);
  }

  /** A result other than OK, with {@code reason} first in its details (it wins over theirs). */
  public static RuleResult withReason(
      RuleStatus status, String reason, Map<String, Object> details) {
    Map<String, Object> ordered = new LinkedHashMap<>();
    ordered.put("reason", reason);
    ordered.putAll(details);
    ordered.put("reason", reason);
    return new RuleResult(status, null, ordered);
  }
}
