package dev.grpo.reward.rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rule bound to checked params: what a run's reward spec turns into once its params have been
 * validated. It is the safe way to call a rule: items without a completion are answered with {@link
 * RuleStatus#INVALID_INPUT}, and an exception escaping the rule becomes {@link RuleStatus#ERROR}
 * for the affected items instead of failing the whole batch.
 */
public final class ConfiguredRule<P> {

  private final RewardRule<P> rule;
  private final P params;

  public ConfiguredRule(RewardRule<P> rule, P params) {
    this.rule = Objects.requireNonNull(rule, "rule");
    this.params = Objects.requireNonNull(params, "params");
  }

  /** Validates the user's params for the rule and binds them. */
  public static <P> ConfiguredRule<P> of(RewardRule<P> rule, Map<String, ?> rawParams) {
    return new ConfiguredRule<>(rule, rule.parseParams(rawParams));
  }

  public RewardRule<P> rule() {
    return rule;
  }

  public P params() {
    return params;
  }

  /** The time this rule may take per completion, given the service's rule timeout. */
  public java.time.Duration timeBudget(java.time.Duration ruleTimeout) {
    return rule.timeBudget(params, ruleTimeout);
  }

  public RuleResult score(ScoringInput input) {
    return scoreGroup(List.of(input)).get(0);
  }

  /** One result per input, in order. */
  public List<RuleResult> scoreGroup(List<ScoringInput> group) {
    List<RuleResult> results = new ArrayList<>(group.size());
    List<ScoringInput> scorable = new ArrayList<>(group.size());
    for (ScoringInput input : group) {
      boolean missing = input == null || input.completion() == null;
      results.add(missing ? RuleResult.invalidInput("completion is missing") : null);
      if (!missing) {
        scorable.add(input);
      }
    }
    if (scorable.isEmpty()) {
      return results;
    }
    List<RuleResult> scored;
    try {
      scored = rule.scoreGroup(scorable, params);
    } catch (RuntimeException failure) {
      RuleResult error =
          RuleResult.error(
              "rule " + rule.name() + " threw",
              Map.of(
                  "exception",
                  failure.getClass().getName(),
                  "message",
                  String.valueOf(failure.getMessage())));
      scored = Collections.nCopies(scorable.size(), error);
    }
    if (scored.size() != scorable.size()) {
      throw new IllegalStateException(
          "rule "
              + rule.name()
              + " returned "
              + scored.size()
              + " results for "
              + scorable.size()
              + " inputs");
    }
    int next = 0;
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i) == null) {
        results.set(i, Objects.requireNonNull(scored.get(next++), "rule returned a null result"));
      }
    }
    return results;
  }
}
