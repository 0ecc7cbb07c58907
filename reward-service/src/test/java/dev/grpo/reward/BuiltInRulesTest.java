package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.RewardRule;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.reward.rule.RuleResult;
import dev.grpo.reward.rule.RuleStatus;
import dev.grpo.reward.rule.ScoringInput;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltInRulesTest {

  private final RuleRegistry registry = BuiltInRules.registry();

  @Test
  void registersEveryRuleUnderItsName() {
    assertThat(registry.rules())
        .extracting(RewardRule::name)
        .containsExactly(
            "cosine_length",
            "format",
            "language_consistency",
            "length",
            "math_accuracy",
            "reasoning_steps",
            "repetition_penalty",
            "soft_overlong",
            "tag_count");
  }

  @Test
  void everyListedDefaultIsAcceptedWhenPassedBackExplicitly() {
    // What GET /api/v1/rules shows must be valid input for the same rule.
    for (RewardRule<?> rule : registry.rules()) {
      Map<String, Object> defaults = new HashMap<>();
      for (ParamSpec spec : rule.paramSchema().specs()) {
        defaults.put(spec.name(), spec.defaultValue());
      }
      ConfiguredRule<?> configured = registry.configure(rule.name(), defaults);
      assertThat(configured.params()).isEqualTo(rule.parseParams(null));
      assertThat(rule.version()).isNotBlank();
      assertThat(rule.description()).isNotBlank();
    }
  }

  @Test
  void aWellFormedEnglishGroupScoresOnEveryRuleWithoutErrors() {
    String completion =
        "<think>\nStep 1: we add the numbers.\nStep 2: we check.\nStep 3: done.\n</think>\n"
            + "<answer>\n42\n</answer>";
    ScoringInput.Reference reference = new ScoringInput.Reference("42", null, "en");
    List<ScoringInput> group =
        List.of(
            new ScoringInput("a", "q", completion, reference, 40, 8192, true),
            new ScoringInput("b", "q", completion + " extra", reference, 7000, 8192, false));

    for (RewardRule<?> rule : registry.rules()) {
      List<RuleResult> results = registry.configure(rule.name(), Map.of()).scoreGroup(group);
      assertThat(results)
          .as(rule.name())
          .extracting(RuleResult::status)
          .containsOnly(RuleStatus.OK);
    }
  }
}
