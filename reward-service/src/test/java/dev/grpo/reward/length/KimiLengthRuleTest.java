package dev.grpo.reward.length;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KimiLengthRuleTest {

  private final KimiLengthRule rule = new KimiLengthRule();
  private final KimiLengthRule.Params characters = rule.parseParams(Map.of());

  @Test
  void lambdaRewardsShortCorrectAndNeverRewardsWrong() {
    // min 10, max 30: λ(10) = 0.5, λ(25) = 0.5 − 15/20 = −0.25, λ(30) = −0.5.
    List<RuleResult> results =
        rule.scoreGroup(
            List.of(
                completion(10, true),
                completion(10, false),
                completion(25, false),
                completion(30, true),
                completion(20, null)),
            characters);

    assertThat(results.subList(0, 4))
        .extracting(RuleResult::score)
        .containsExactly(0.5, 0.0, -0.25, -0.5);
    assertThat(results.get(4).status()).isEqualTo(RuleStatus.NOT_APPLICABLE);
    assertThat(results.get(4).details().get("reason").toString()).contains("correctness");
  }

  @Test
  void unknownCorrectnessStillCountsTowardsTheGroupsRange() {
    List<RuleResult> results =
        rule.scoreGroup(List.of(completion(10, true), completion(30, null)), characters);

    assertThat(results.get(0).score()).isEqualTo(0.5);
    assertThat(results.get(0).details()).containsEntry("max_length", 30);
  }

  @Test
  void equalLengthsGiveZeroToAll() {
    List<RuleResult> results =
        rule.scoreGroup(List.of(completion(7, true), completion(7, false)), characters);

    assertThat(results).extracting(RuleResult::score).containsExactly(0.0, 0.0);
  }

  @Test
  void aLoneCompletionHasNoGroup() {
    assertThat(rule.score(completion(10, true), characters).status())
        .isEqualTo(RuleStatus.NOT_APPLICABLE);
  }

  @Test
  void charactersAreCodePointsNotUtf16Units() {
    // "𝑥" is one code point but two chars in a Java String.
    RuleInput mathX = new RuleInput(null, null, "𝑥𝑥", null, null, null, true);

    List<RuleResult> results = rule.scoreGroup(List.of(mathX, completion(4, true)), characters);

    assertThat(results.get(0).details()).containsEntry("length", 2);
    assertThat(results.get(0).score()).isEqualTo(0.5);
  }

  @Test
  void tokenUnitUsesCompletionTokensAndSkipsItemsWithoutThem() {
    KimiLengthRule.Params tokens = rule.parseParams(Map.of("length_unit", "tokens"));
    List<RuleResult> results =
        rule.scoreGroup(
            List.of(withTokens(100, true), withTokens(300, true), withTokens(null, true)), tokens);

    assertThat(results.get(0).score()).isEqualTo(0.5);
    assertThat(results.get(1).score()).isEqualTo(-0.5);
    assertThat(results.get(2).status()).isEqualTo(RuleStatus.NOT_APPLICABLE);
  }

  @Test
  void unknownUnitIsRejectedByName() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("length_unit", "bytes")))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'length_unit'");
  }

  static RuleInput completion(int length, Boolean correct) {
    return new RuleInput(null, null, "a".repeat(length), null, null, null, correct);
  }

  private static RuleInput withTokens(Integer tokens, Boolean correct) {
    return new RuleInput(null, null, "text", null, tokens, null, correct);
  }
}
