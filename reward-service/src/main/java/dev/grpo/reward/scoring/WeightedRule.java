package dev.grpo.reward.scoring;

import dev.grpo.reward.rule.ConfiguredRule;
import java.util.Objects;

/** A rule with checked params and the weight of its score in an item's total. */
public record WeightedRule(ConfiguredRule<?> rule, double weight) {

  public WeightedRule {
    Objects.requireNonNull(rule, "rule");
    if (!Double.isFinite(weight)) {
      throw new IllegalArgumentException("weight must be finite, got " + weight);
    }
  }

  public String name() {
    return rule.rule().name();
  }

  public String version() {
    return rule.rule().version();
  }
}
