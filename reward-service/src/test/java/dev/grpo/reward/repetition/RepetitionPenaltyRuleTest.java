package dev.grpo.reward.repetition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class RepetitionPenaltyRuleTest {

  private final RepetitionPenaltyRule rule = new RepetitionPenaltyRule();

  @Test
  void openR1TestValues() {
    assertThat(score("this this this this this", Map.of("ngram_size", 2))).isEqualTo(-0.75);
    assertThat(score("this is a this is a test", Map.of("ngram_size", 2)))
        .isCloseTo(-1.0 / 3.0, within(1e-12));
    assertThat(score("this is a this is a test", Map.of("ngram_size", 3, "max_penalty", -2.0)))
        .isCloseTo(-0.4, within(1e-12));
    assertThat(score("A B C A B C", Map.of())).isEqualTo(-0.25);
  }

  @Test
  void chineseCharactersAreWords() {
    // 我爱你我爱你: 4 trigrams, 3 distinct. Split on whitespace it would be one word and no penalty.
    assertThat(score("我爱你我爱你", Map.of())).isEqualTo(-0.25);
    // 答 案 是 42 答 案 是 42: 6 trigrams, 4 distinct.
    assertThat(score("答案是 42 答案是 42", Map.of())).isCloseTo(-1.0 / 3.0, within(1e-12));
  }

  @Test
  void textShorterThanOneNgramHasNoPenalty() {
    RuleResult result = rule.score(RuleInput.ofCompletion("one two"), rule.parseParams(Map.of()));

    assertThat(result.score()).isEqualTo(0.0);
    assertThat(result.details()).containsEntry("ngrams", 0);
  }

  @Test
  void penaltyMustNotBePositiveAndNgramsNotEmpty() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("max_penalty", 0.5)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'max_penalty'");
    assertThatThrownBy(() -> rule.parseParams(Map.of("ngram_size", 0)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'ngram_size'");
  }

  private double score(String completion, Map<String, Object> params) {
    return rule.score(RuleInput.ofCompletion(completion), rule.parseParams(params)).score();
  }

  /** On a thread the scorer has interrupted at its deadline, a long completion is given up on. */
  @Test
  void aLongCompletionStopsOnceItsThreadIsInterrupted() {
    RepetitionPenaltyRule r = new RepetitionPenaltyRule();
    RepetitionPenaltyRule.Params params = r.parseParams(Map.of());
    RuleInput input = RuleInput.ofCompletion("word ".repeat(200_000));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> r.score(input, params))
          .isInstanceOf(CancellationException.class)
          .hasMessage("scoring was cancelled at its deadline");
    } finally {
      Thread.interrupted();
    }
    assertThat(r.score(input, params).score()).isCloseTo(-1.0, within(1e-4));
  }
}
