package dev.grpo.rule;

import java.util.List;
import java.util.Map;

/**
 * A reward rule: scores completions. The reward service binds its built-in rules to a run's params
 * and runs them as this; the rule starter serves one bean of this type as a remote rule.
 *
 * <p>{@link #score} sees one completion at a time. A rule that compares the completions of one
 * group (e.g. a length reward relative to the group) overrides {@link #scoreGroup} instead; {@link
 * #isGroupLevel} tells the two apart.
 *
 * <p>A rule must not hide a failure as a score: it returns {@link RuleResult#notApplicable}, {@link
 * RuleResult#invalidInput} or {@link RuleResult#error}, or throws (the {@link DeadlineScorer} turns
 * that into {@code ERROR}). It should stop when its thread is interrupted: a rule past its time
 * budget is interrupted and its items answered {@code TIMEOUT}.
 */
public interface RewardRule {

  /** The name score requests use, e.g. {@code format}. */
  String name();

  /**
   * Changes whenever the same input could score differently; stored rewards are keyed by rule name
   * and version.
   */
  String version();

  /** One or two sentences for users listing the rules. */
  default String description() {
    return "";
  }

  /** The settings the rule scores with, for users listing the rules. */
  default Map<String, Object> params() {
    return Map.of();
  }

  /** Scores one completion; never null. The completion is never null. */
  RuleResult score(RuleInput input);

  /**
   * Scores the completions of one group, one result per item, in order. The default scores each
   * item alone; overriding it makes the rule group-level.
   */
  default List<RuleResult> scoreGroup(List<RuleInput> group) {
    return group.stream().map(this::score).toList();
  }

  /**
   * Whether a rule overrides {@link #scoreGroup}, i.e. compares a group's items. Generated proxy
   * classes (names with {@code $$}, e.g. CGLIB) are looked through to the rule's own class.
   */
  static boolean isGroupLevel(RewardRule rule) {
    Class<?> type = rule.getClass();
    while (type.getName().contains("$$") && type.getSuperclass() != null) {
      type = type.getSuperclass();
    }
    try {
      return type.getMethod("scoreGroup", List.class).getDeclaringClass() != RewardRule.class;
    } catch (NoSuchMethodException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
