package dev.grpo.reward.rule;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one rule on one completion. A score is present exactly when the status is {@link
 * RuleStatus#OK}, so a missing input can never turn into a silent zero. Details explain the score
 * or, for any other status, carry a {@code reason}.
 */
public record RuleResult(RuleStatus status, Double score, Map<String, Object> details) {

  public RuleResult {
    Objects.requireNonNull(status, "status");
    if (status == RuleStatus.OK) {
      if (score == null || !Double.isFinite(score)) {
        throw new IllegalArgumentException("an OK result needs a finite score, got " + score);
      }
    } else if (score != null) {
      throw new IllegalArgumentException("only an OK result carries a score, got " + status);
    }
    // LinkedHashMap keeps the order the rule wrote, which reads better in the ledger's jsonb.
    details =
        details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public static RuleResult ok(double score, Map<String, Object> details) {
    return new RuleResult(RuleStatus.OK, score, details);
  }

  public static RuleResult notApplicable(String reason) {
    return new RuleResult(RuleStatus.NOT_APPLICABLE, null, Map.of("reason", reason));
  }

  public static RuleResult invalidInput(String reason) {
    return new RuleResult(RuleStatus.INVALID_INPUT, null, Map.of("reason", reason));
  }

  public static RuleResult error(String reason, Map<String, Object> details) {
    Map<String, Object> withReason = new LinkedHashMap<>();
    withReason.put("reason", reason);
    withReason.putAll(details);
    return new RuleResult(RuleStatus.ERROR, null, withReason);
  }

  public static RuleResult timeout(String reason) {
    return new RuleResult(RuleStatus.TIMEOUT, null, Map.of("reason", reason));
  }
}
