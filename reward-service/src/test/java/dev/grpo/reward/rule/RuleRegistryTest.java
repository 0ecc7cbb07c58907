package dev.grpo.reward.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleRegistryTest {

  /** Scores the completion's length; throws on "boom" to exercise error handling. */
  private static final class LengthProbe implements ConfigurableRule<LengthProbe.Params> {
    record Params(double scale) {}

    private static final ParamSchema SCHEMA =
        ParamSchema.of(new ParamSpec("scale", ParamType.NUMBER, 1.0, "multiplier"));

    @Override
    public String name() {
      return "probe";
    }

    @Override
    public String version() {
      return "0";
    }

    @Override
    public String description() {
      return "test rule";
    }

    @Override
    public ParamSchema paramSchema() {
      return SCHEMA;
    }

    @Override
    public Params parseParams(Map<String, ?> rawParams) {
      return new Params(SCHEMA.parse(rawParams).getDouble("scale"));
    }

    @Override
    public RuleResult score(RuleInput input, Params params) {
      if (input.completion().equals("boom")) {
        throw new IllegalStateException("exploded");
      }
      return RuleResult.ok(input.completion().length() * params.scale(), Map.of());
    }
  }

  @Test
  void configuredRuleScoresWithTheUsersParams() {
    RuleRegistry registry = new RuleRegistry(List.of(new LengthProbe()));

    ConfiguredRule<?> rule = registry.configure("probe", Map.of("scale", 0.5));

    assertThat(rule.score(RuleInput.ofCompletion("abcd")).score()).isEqualTo(2.0);
  }

  @Test
  void missingCompletionIsInvalidInputAndTheRestOfTheGroupIsScored() {
    ConfiguredRule<?> rule = new RuleRegistry(List.of(new LengthProbe())).configure("probe", null);
    List<RuleInput> group = new ArrayList<>();
    group.add(RuleInput.ofCompletion("ab"));
    group.add(RuleInput.ofCompletion(null));
    group.add(null);
    group.add(RuleInput.ofCompletion("abc"));

    List<RuleResult> results = rule.scoreGroup(group);

    assertThat(results)
        .extracting(RuleResult::status)
        .containsExactly(
            RuleStatus.OK, RuleStatus.INVALID_INPUT, RuleStatus.INVALID_INPUT, RuleStatus.OK);
    assertThat(results.get(0).score()).isEqualTo(2.0);
    assertThat(results.get(1).details()).containsEntry("reason", "completion is missing");
    assertThat(results.get(3).score()).isEqualTo(3.0);
  }

  @Test
  void anExceptionInTheRuleBecomesAnErrorResultNotAZero() {
    ConfiguredRule<?> rule = new RuleRegistry(List.of(new LengthProbe())).configure("probe", null);

    RuleResult result = rule.score(RuleInput.ofCompletion("boom"));

    assertThat(result.status()).isEqualTo(RuleStatus.ERROR);
    assertThat(result.score()).isNull();
    assertThat(result.details())
        .containsEntry("exception", IllegalStateException.class.getName())
        .containsEntry("message", "exploded");
  }

  @Test
  void unknownRuleAndBadParamsAreReported() {
    RuleRegistry registry = new RuleRegistry(List.of(new LengthProbe()));

    assertThatThrownBy(() -> registry.configure("nope", null))
        .isInstanceOf(UnknownRuleException.class)
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> registry.configure("probe", Map.of("scale", "big")))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'scale'");
  }

  @Test
  void duplicateNamesAreRefused() {
    RuleRegistry registry = new RuleRegistry(List.of(new LengthProbe()));

    assertThatThrownBy(() -> registry.register(new LengthProbe()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'probe' is already registered");
  }

  @Test
  void resultsCarryAScoreOnlyWhenOk() {
    assertThatThrownBy(() -> new RuleResult(RuleStatus.OK, null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RuleResult(RuleStatus.NOT_APPLICABLE, 0.0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RuleResult.ok(Double.NaN, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
