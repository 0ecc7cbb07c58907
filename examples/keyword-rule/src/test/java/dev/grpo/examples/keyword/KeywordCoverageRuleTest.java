package dev.grpo.examples.keyword;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeywordCoverageRuleTest {

  private final KeywordCoverageRule rule =
      new KeywordCoverageRule(
          new KeywordCoverageProperties(List.of("add", "carry", "check", "add"), false));

  private RuleResult score(String completion) {
    return rule.score(RuleInput.ofCompletion(completion));
  }

  @Test
  void scoresTheFractionOfKeywordsInTheThinkSection() {
    RuleResult result =
        score("<think>Add the units, carry the one.</think><answer>42</answer> check");
    assertThat(result.status()).isEqualTo(RuleStatus.OK);
    // "check" is only outside the think section; "add" is listed twice but counts once
    assertThat(result.score()).isEqualTo(2.0 / 3.0);
    assertThat(result.details())
        .containsEntry("found", List.of("add", "carry"))
        .containsEntry("missing", List.of("check"));
  }

  @Test
  void keywordsMatchAsWholeWordsOnly() {
    // "added", "carrying" and "checks" are other words; "CHECK" matches regardless of case
    assertThat(score("<think>I added, carrying nothing; checks pass.</think>").score())
        .isEqualTo(0.0);
    assertThat(score("<think>add; carry! CHECK.</think>").score()).isEqualTo(1.0);
    assertThat(score("<think>\nadd\n(carry)\n</think>").score()).isEqualTo(2.0 / 3.0);
  }

  @Test
  void onlyTheFirstThinkSectionCounts() {
    assertThat(score("<think>add</think> <think>carry check</think>").score()).isEqualTo(1.0 / 3.0);
  }

  @Test
  void aCompletionWithoutAClosedThinkSectionCoversNothing() {
    RuleResult result = score("<think>add carry check, but never closed");
    assertThat(result.status()).isEqualTo(RuleStatus.OK);
    assertThat(result.score()).isEqualTo(0.0);
    assertThat(result.details())
        .containsEntry("think", "missing")
        .containsEntry("missing", List.of("add", "carry", "check"));
  }

  @Test
  void caseSensitiveModeTellsCapitalsApart() {
    KeywordCoverageRule strict =
        new KeywordCoverageRule(new KeywordCoverageProperties(List.of("Carry", "add"), true));
    assertThat(strict.score(RuleInput.ofCompletion("<think>carry, add</think>")).score())
        .isEqualTo(0.5);
    assertThat(strict.params()).containsEntry("keywords", List.of("Carry", "add"));
    assertThat(strict.params()).containsEntry("caseSensitive", true);
  }

  @Test
  void phrasesAndRegexCharactersAreMatchedLiterally() {
    KeywordCoverageRule phrases =
        new KeywordCoverageRule(
            new KeywordCoverageProperties(List.of("common denominator", "a+b"), false));
    assertThat(
            phrases
                .score(RuleInput.ofCompletion("<think>the common  denominator of a+b</think>"))
                .score())
        .isEqualTo(0.5);
  }
}
