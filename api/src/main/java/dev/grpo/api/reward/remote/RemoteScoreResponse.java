package dev.grpo.api.reward.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
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
   * One item's result. A score is present exactly when the status is {@link RemoteRuleStatus#OK},
   * and it is finite; the constructor refuses anything else, so a failure can never travel as 0.
   *
   * @param status what happened
   * @param score the reward, only for OK; omitted from the JSON otherwise
   * @param details what the rule found; for a status other than OK, {@code reason} says why
   */
  public record Result(
      RemoteRuleStatus status,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double score,
      Map<String, Object> details) {

    public Result {
      Objects.requireNonNull(status, "status");
      if (status == RemoteRuleStatus.OK) {
        if (score == null || !Double.isFinite(score)) {
          throw new IllegalArgumentException("an OK result needs a finite score, got " + score);
        }
      } else if (score != null) {
        throw new IllegalArgumentException("only an OK result carries a score, got " + status);
      }
      details =
          details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static Result ok(double score, Map<String, Object> details) {
      return new Result(RemoteRuleStatus.OK, score, details);
    }

    /** A result other than OK, with {@code reason} first in its details. */
    public static Result of(RemoteRuleStatus status, String reason, Map<String, Object> details) {
      Map<String, Object> withReason = new LinkedHashMap<>();
      withReason.put("reason", reason);
      withReason.putAll(details);
      withReason.put("reason", reason);
      return new Result(status, null, withReason);
    }
  }
}
