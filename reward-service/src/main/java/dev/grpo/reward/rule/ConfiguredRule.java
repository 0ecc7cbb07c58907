package dev.grpo.reward.rule;

import dev.grpo.rule.RewardRule;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rule bound to checked params: what a run's reward spec turns into once its params have been
 * validated, and the {@link RewardRule} of the SPI that the scoring engine runs. It is the safe way
 * to call a rule: items without a completion are answered with {@link RuleStatus#INVALID_INPUT},
 * and an exception escaping the rule becomes {@link RuleStatus#ERROR} for the affected items
 * instead of failing the whole batch. A result the completion caused ({@link CompletionFault}, or a
 * stack overflow on an over-deep completion) scores the rule's minimum.
 */
public final class ConfiguredRule<P> implements RewardRule {

  private final ConfigurableRule<P> rule;
  private final P params;

  public ConfiguredRule(ConfigurableRule<P> rule, P params) {
    this.rule = Objects.requireNonNull(rule, "rule");
    this.params = Objects.requireNonNull(params, "params");
  }

  /** Validates the user's params for the rule and binds them. */
  public static <P> ConfiguredRule<P> of(ConfigurableRule<P> rule, Map<String, ?> rawParams) {
    return new ConfiguredRule<>(rule, rule.parseParams(rawParams));
  }

  public ConfigurableRule<P> rule() {
    return rule;
  }

  @Override
  public String name() {
    return rule.name();
  }

  @Override
  public String version() {
    return rule.version();
  }

  @Override
  public String description() {
    return rule.description();
  }

  /** The checked params record the rule scores with. */
  public P typedParams() {
    return params;
  }

  /** The time this rule may take per completion, given the service's rule timeout. */
  public Duration timeBudget(Duration ruleTimeout) {
    return rule.timeBudget(params, ruleTimeout);
  }

  /** The rule's lowest score with these params. */
  public double minimumScore() {
    return rule.minimumScore(params);
  }

  /** A completion fault of this rule, scored as its minimum. */
  public RuleResult fault(CompletionFault.Kind kind, String reason) {
    return CompletionFault.scoredAsMinimum(CompletionFault.of(kind, reason), minimumScore());
  }

  @Override
  public RuleResult score(RuleInput input) {
    return scoreGroup(List.of(input)).get(0);
  }

  /** One result per input, in order. */
  @Override
  public List<RuleResult> scoreGroup(List<RuleInput> group) {
    List<RuleResult> results = new ArrayList<>(group.size());
    List<RuleInput> scorable = new ArrayList<>(group.size());
    for (RuleInput input : group) {
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
      scored = Collections.nCopies(scorable.size(), RuleResult.thrown(rule.name(), failure));
    } catch (StackOverflowError tooDeep) {
      // the rules recurse over the completion's structure; only the completion can nest this deep
      scored =
          Collections.nCopies(
              scorable.size(),
              CompletionFault.of(CompletionFault.Kind.OVER_DEEP, "the completion nests too deep"));
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
        RuleResult r = Objects.requireNonNull(scored.get(next++), "rule returned a null result");
        results.set(
            i, CompletionFault.isFault(r) ? CompletionFault.scoredAsMinimum(r, minimumScore()) : r);
      }
    }
    return results;
  }
}
