package dev.grpo.reward.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.reward.ScoreRequest.RuleSpec;
import dev.grpo.reward.BuiltInRules;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.web.InvalidRequestException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigParamsTest {

  private final RuleRegistry registry = BuiltInRules.registry();

  @Test
  void stringsFromConfigurationBecomeTheParamsTypes() {
    List<RuleSpec> coerced =
        ConfigParams.coerce(
            registry,
            List.of(
                new RuleSpec(
                    "cosine_length",
                    1.0,
                    Map.of("max_len", "500", "min_value_wrong", "-1.5", "length_unit", "tokens")),
                new RuleSpec("format", 1.0, Map.of("think_prefilled", "true")),
                new RuleSpec(
                    "language_consistency",
                    1.0,
                    Map.of("latin_languages", Map.of("1", "fr", "0", "en")))));
    assertThat(coerced.get(0).params())
        .containsEntry("max_len", 500)
        .containsEntry("min_value_wrong", -1.5)
        .containsEntry("length_unit", "tokens");
    assertThat(coerced.get(1).params()).containsEntry("think_prefilled", true);
    assertThat(coerced.get(2).params()).containsEntry("latin_languages", List.of("en", "fr"));
    assertThat(RuleSelection.configure(registry, coerced, "profile")).hasSize(3);
  }

  @Test
  void valuesThatDoNotConvertAreLeftForTheSchemaToNameInTheProblem() {
    List<RuleSpec> coerced =
        ConfigParams.coerce(
            registry, List.of(new RuleSpec("cosine_length", 1.0, Map.of("max_len", "long"))));
    assertThatThrownBy(() -> RuleSelection.configure(registry, coerced, "grpo.reward.profile"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("grpo.reward.profile[0].params.max_len");
  }
}
