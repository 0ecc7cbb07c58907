package dev.grpo.reward.scoring;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.reward.ScoreResponse.TotalStatus;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine found for one item: each rule's result with how long the rule took on it.
 *
 * @param item the item as requested
 * @param rules one entry per requested rule, in request order
 */
public record ScoredItem(ScoreRequest.Item item, List<ScoredRule> rules) {

  /**
   * One rule's result on the item.
   *
   * @param durationMicros the rule's time on this item; for a group-level rule, the group's time
   *     divided by the group's size
   */
  public record ScoredRule(WeightedRule rule, RuleResult result, long durationMicros) {}

  /**
   * The wire form: {@code total} is Σ weight·score when every rule is OK and null otherwise (with
   * {@code totalStatus} INCOMPLETE and the rules that are missing), so an unscorable item never
   * looks like a 0.
   */
  public ItemResult toResult() {
    double partial = 0;
    List<String> missing = new ArrayList<>();
    List<RuleOutcome> outcomes = new ArrayList<>(rules.size());
    for (ScoredRule scored : rules) {
      RuleResult r = scored.result();
      double term = r.status() == RuleStatus.OK ? scored.rule().weight() * r.score() : 0;
      if (r.status() == RuleStatus.OK && Double.isFinite(partial + term)) {
        partial += term;
      } else {
        // a failed rule, or one whose weighted score overflows: never a total of "Infinity"
        missing.add(scored.rule().name());
      }
      outcomes.add(
          new RuleOutcome(
              scored.rule().name(),
              scored.rule().version(),
              r.status().name(),
              r.score(),
              r.details()));
    }
    boolean complete = missing.isEmpty();
    return new ItemResult(
        item.id(),
        complete ? partial : null,
        complete ? TotalStatus.COMPLETE : TotalStatus.INCOMPLETE,
        partial,
        List.copyOf(missing),
        List.copyOf(outcomes));
  }
}
