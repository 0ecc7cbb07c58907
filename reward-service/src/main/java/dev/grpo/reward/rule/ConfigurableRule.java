package dev.grpo.reward.rule;

import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A built-in reward rule with typed parameters that users set per run. Binding checked params to it
 * gives a {@link ConfiguredRule}, the {@link dev.grpo.rule.RewardRule} the scoring engine runs.
 *
 * <p>Implementations are stateless and thread-safe; all configuration travels in {@code P}. Rules
 * must not throw for bad items: a missing or malformed input gives {@link
 * RuleStatus#NOT_APPLICABLE} or {@link RuleStatus#INVALID_INPUT} with a {@code reason} in the
 * details. Callers should go through {@link ConfiguredRule}, which also turns an unexpected
 * exception into {@link RuleStatus#ERROR}.
 *
 * @param <P> the rule's params record
 */
public interface ConfigurableRule<P> {

  /** Registry key, e.g. {@code "format"}. */
  String name();

  /**
   * Changes whenever the same input and params could score differently, because stored rewards are
   * keyed by rule name and version.
   */
  String version();

  /** One or two sentences for users listing the rules. */
  String description();

  /** The parameters with their types, defaults and docs. */
  ParamSchema paramSchema();

  /**
   * Builds the params record from user params (null or empty means all defaults).
   *
   * @throws InvalidParamException naming the parameter that is unknown, mistyped or out of range
   */
  P parseParams(Map<String, ?> rawParams);

  /** Scores one completion; {@code input.completion()} is not null. */
  RuleResult score(RuleInput input, P params);

  /**
   * Scores the completions sampled for one prompt, one result per input in the same order. Rules
   * that compare completions within the group (e.g. Kimi's length reward) override this; the
   * default scores each item alone.
   */
  default List<RuleResult> scoreGroup(List<RuleInput> group, P params) {
    List<RuleResult> results = new ArrayList<>(group.size());
    for (RuleInput input : group) {
      results.add(score(input, params));
    }
    return results;
  }

  /**
   * The lowest score this rule gives with these params: what a completion earns when it caused its
   * own failure ({@link CompletionFault}), e.g. it is unparsable or over the size limit.
   */
  default double minimumScore(P params) {
    return 0.0;
  }

  /**
   * How long this rule may take on one completion with these params. Most rules are CPU-bound and
   * get the service's rule timeout; rules that compile and run programs need their own budget.
   */
  default Duration timeBudget(P params, Duration ruleTimeout) {
    return ruleTimeout;
  }
}
