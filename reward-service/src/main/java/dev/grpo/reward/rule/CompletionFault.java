package dev.grpo.reward.rule;

import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A result the completion itself caused: it cannot be parsed, is in the wrong language, is over the
 * size limit, is invalid code, or nests too deep. Such a completion earns the rule's minimum (a
 * policy must never escape a low reward by producing garbage), so {@link ConfiguredRule} turns a
 * fault into {@code OK} with {@link ConfigurableRule#minimumScore} and keeps the fault in the
 * details ({@code fault: completion}, {@code kind}, {@code reason}, {@code scoredAs: minimum}) so
 * the ledger records why. Faults of the infrastructure (sandbox or rule service down, the service's
 * own time budget) stay {@code ERROR}/{@code TIMEOUT} and take the run's failure policy.
 */
public final class CompletionFault {

  /** Why the completion could not be scored on its merits. */
  public enum Kind {
    UNPARSABLE,
    WRONG_LANGUAGE,
    OVER_SIZE,
    INVALID_CODE,
    OVER_DEEP
  }

  static final String FAULT = "fault";
  static final String COMPLETION = "completion";

  private CompletionFault() {}

  /** The rule's answer for a completion that caused the fault, before it is scored as minimum. */
  public static RuleResult of(Kind kind, String reason) {
    return of(kind, reason, Map.of());
  }

  public static RuleResult of(Kind kind, String reason, Map<String, Object> details) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put(FAULT, COMPLETION);
    d.put("kind", kind.name());
    d.putAll(details);
    return RuleResult.withReason(RuleStatus.INVALID_INPUT, reason, d);
  }

  /** Whether {@code result} is a fault of the completion (not of the caller or the service). */
  public static boolean isFault(RuleResult result) {
    return result.status() != RuleStatus.OK && COMPLETION.equals(result.details().get(FAULT));
  }

  /** The fault scored as the rule's minimum, recorded as such. */
  public static RuleResult scoredAsMinimum(RuleResult fault, double minimum) {
    Map<String, Object> d = new LinkedHashMap<>(fault.details());
    d.put("status", fault.status().name());
    d.put("scoredAs", "minimum");
    return RuleResult.ok(minimum, d);
  }
}
