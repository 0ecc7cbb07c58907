package dev.grpo.reward.length;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoftOverlongRuleTest {

  private final SoftOverlongRule rule = new SoftOverlongRule();
  private final SoftOverlongRule.Params cache20 = rule.parseParams(Map.of("soft_punish_cache", 20));

  @Test
  void belowInsideAndBeyondTheBufferWithLimitFromTheInput() {
    // L = 100, C = 20: no penalty up to 80, linear to −1 at 100, −1 beyond.
    assertThat(score(50, 100, cache20)).isEqualTo(0.0);
    assertThat(score(80, 100, cache20)).isEqualTo(0.0);
    assertThat(score(90, 100, cache20)).isEqualTo(-0.5);
    assertThat(score(95, 100, cache20)).isEqualTo(-0.75);
    assertThat(score(100, 100, cache20)).isEqualTo(-1.0);
    assertThat(score(110, 100, cache20)).isEqualTo(-1.0);
  }

  @Test
  void paramLimitOverridesTheInput() {
    SoftOverlongRule.Params fixed =
        rule.parseParams(Map.of("max_completion_len", 100, "soft_punish_cache", 20));

    RuleResult result = rule.score(new RuleInput(null, null, "x", null, 90, 4096, null), fixed);

    assertThat(result.score()).isEqualTo(-0.5);
    assertThat(result.details()).containsEntry("max_completion_len_source", "params");
  }

  @Test
  void dapoDefaultsCache4096() {
    SoftOverlongRule.Params defaults = rule.parseParams(null);

    // L = 20480 (DAPO), C = 4096: 16384 + 2048 tokens → −0.5.
    assertThat(score(16384 + 2048, 20480, defaults)).isEqualTo(-0.5);
  }

  @Test
  void missingCountsAreNotApplicableNotZero() {
    assertThat(rule.score(new RuleInput(null, null, "x", null, null, 100, null), cache20))
        .extracting(RuleResult::status)
        .isEqualTo(RuleStatus.NOT_APPLICABLE);
    assertThat(rule.score(new RuleInput(null, null, "x", null, 50, null, null), cache20))
        .extracting(RuleResult::status)
        .isEqualTo(RuleStatus.NOT_APPLICABLE);
  }

  @Test
  void limitBelowTheCacheIsInvalid() {
    assertThat(rule.score(new RuleInput(null, null, "x", null, 5, 10, null), cache20))
        .extracting(RuleResult::status)
        .isEqualTo(RuleStatus.INVALID_INPUT);
    assertThat(rule.score(new RuleInput(null, null, "x", null, -1, 100, null), cache20))
        .extracting(RuleResult::status)
        .isEqualTo(RuleStatus.INVALID_INPUT);
    assertThatThrownBy(
            () -> rule.parseParams(Map.of("max_completion_len", 10, "soft_punish_cache", 20)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'max_completion_len'");
    assertThatThrownBy(() -> rule.parseParams(Map.of("soft_punish_cache", 0)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'soft_punish_cache'");
  }

  private double score(int completionTokens, int maxTokens, SoftOverlongRule.Params params) {
    return rule.score(
            new RuleInput(null, null, "x", null, completionTokens, maxTokens, null), params)
        .score();
  }
}
