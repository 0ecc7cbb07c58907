package dev.grpo.api.reward.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Answer of {@code POST {rule url}/score}: exactly one result per request item, in request order.
 * The reward service turns a wrong count, a missing status or a result that breaks {@link Result}'s
 * invariant into {@code ERROR}, never into a score.
 */
public record RemoteScoreResponse(List<Result> results) {

  /**
   * One item's result. A score is present exactly when the status is {@link RuleStatus#OK}, and it
   * is finite; the constructor refuses anything else, so a failure can never travel as 0.
   *
   * @param status what happened
   * @param score the reward, only for OK; omitted from the JSON otherwise
   * @param details what the rule found; for a status other than OK, {@code reason} says why
   */
  public record Result(
      RuleStatus status,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double score,
      Map<String, Object> details) {

    public Result {
      Objects.requireNonNull(status, "status").checkScore(score);
      details =
          details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static Result ok(double score, Map<String, Object> details) {
      return new Result(RuleStatus.OK, score, details);
    }

    /** A result other than OK, with {@code reason} first in its details. */
    public static Result of(RuleStatus status, String reason, Map<String, Object> details) {
      return of(RuleResult.withReason(status, reason, details));
    }

    /** The wire form of a rule's result. */
    public static Result of(RuleResult result) {
      return new Result(result.status(), result.score(), result.details());
    }

    /** The rule's result this wire form carries. */
    public RuleResult toRuleResult() {
      return new RuleResult(status, score, details);
    }
  }
}
