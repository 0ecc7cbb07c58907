package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltInRulesTest {

  private final RuleRegistry registry = BuiltInRules.registry();

  @Test
  void registersEveryRuleUnderItsName() {
    assertThat(registry.rules())
        .extracting(ConfigurableRule::name)
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
    for (ConfigurableRule<?> rule : registry.rules()) {
      Map<String, Object> defaults = new HashMap<>();
      for (ParamSpec spec : rule.paramSchema().specs()) {
        defaults.put(spec.name(), spec.defaultValue());
      }
      ConfiguredRule<?> configured = registry.configure(rule.name(), defaults);
      assertThat(configured.typedParams()).isEqualTo(rule.parseParams(null));
      assertThat(rule.version()).isNotBlank();
      assertThat(rule.description()).isNotBlank();
    }
  }

  @Test
  void aWellFormedEnglishGroupScoresOnEveryRuleWithoutErrors() {
    String completion =
        "<think>\nStep 1: we add the numbers.\nStep 2: we check.\nStep 3: done.\n</think>\n"
            + "<answer>\n42\n</answer>";
    RuleInput.Reference reference = new RuleInput.Reference("42", null, "en");
    List<RuleInput> group =
        List.of(
            new RuleInput("a", "q", completion, reference, 40, 8192, true),
            new RuleInput("b", "q", completion + " extra", reference, 7000, 8192, false));

    for (ConfigurableRule<?> rule : registry.rules()) {
      List<RuleResult> results = registry.configure(rule.name(), Map.of()).scoreGroup(group);
      assertThat(results)
          .as(rule.name())
          .extracting(RuleResult::status)
          .containsOnly(RuleStatus.OK);
    }
  }
}
