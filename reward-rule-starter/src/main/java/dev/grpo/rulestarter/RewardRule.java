package dev.grpo.rulestarter;

import java.util.List;
import java.util.Map;

/**
 * A reward rule served as its own service. Declare one bean of this type in a Spring Boot web
 * application with this starter on the class path, and the application answers the reward service's
 * remote rule protocol: {@code POST /score}, {@code GET /health}, and {@code GET /rule}.
 *
 * <p>{@link #score} sees one completion at a time; the starter runs the items of a batch in
 * parallel (on virtual threads when the JVM has them), gives each its time budget ({@code
 * grpo.rule.time-budget}) and turns an exception into {@code ERROR} for that item. A rule that
 * compares the completions of one group overrides {@link #scoreGroup} instead; it then gets the
 * whole batch (the reward service sends one group per call) with the budget times the group's size.
 *
 * <p>A rule must not hide a failure as a score: return {@link RuleResult#notApplicable}, {@link
 * RuleResult#invalidInput} or {@link RuleResult#error}, or throw. It should stop when its thread is
 * interrupted; a rule past its budget is interrupted and its item answered {@code TIMEOUT}.
 */
public interface RewardRule {

  /**
   * The name score requests use once the rule is registered: lower case letters, digits and
   * underscores, starting with a letter, at most 64 characters, and not a built-in rule's name.
   */
  String name();

  /**
   * Changes whenever the same input could score differently; the reward service keys stored rewards
   * by name and version. Letters, digits, {@code . _ + -}, at most 64 characters.
   */
  String version();

  /** One or two sentences for {@code GET /rule}. */
  default String description() {
    return "";
  }

  /**
   * The settings the rule scores with, for {@code GET /rule}. The reward service sends no params
   * with a score call, so a rule's params are its own configuration.
   */
  default Map<String, Object> params() {
    return Map.of();
  }

  /** Scores one completion; never null. The completion is never null. */
  RuleResult score(RuleInput item);

  /**
   * Scores the completions of one group, one result per item, in order. The default scores each
   * item alone; overriding it makes the rule group-level: the starter then calls it once per
   * request instead of calling {@link #score} per item in parallel.
   */
  default List<RuleResult> scoreGroup(List<RuleInput> group) {
    return group.stream().map(this::score).toList();
  }
}
