package dev.grpo.reward;

import dev.grpo.reward.format.FormatRule;
import dev.grpo.reward.format.ReasoningStepsRule;
import dev.grpo.reward.format.TagCountRule;
import dev.grpo.reward.language.LanguageConsistencyRule;
import dev.grpo.reward.length.CosineLengthRule;
import dev.grpo.reward.length.KimiLengthRule;
import dev.grpo.reward.length.SoftOverlongRule;
import dev.grpo.reward.math.MathAccuracyRule;
import dev.grpo.reward.repetition.RepetitionPenaltyRule;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.RuleRegistry;
import java.util.List;

/** The rule-based rewards that need neither a verifier nor a sandbox. */
public final class BuiltInRules {

  private BuiltInRules() {}

  public static List<ConfigurableRule<?>> all() {
    return List.of(
        new MathAccuracyRule(),
        new FormatRule(),
        new TagCountRule(),
        new ReasoningStepsRule(),
        new KimiLengthRule(),
        new CosineLengthRule(),
        new SoftOverlongRule(),
        new RepetitionPenaltyRule(),
        new LanguageConsistencyRule());
  }

  /** A registry holding the built-in rules; other rules can still be registered on it. */
  public static RuleRegistry registry() {
    return new RuleRegistry(all());
  }
}
