package dev.grpo.reward.language;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LanguageConsistencyRuleTest {

  private final LanguageConsistencyRule rule = new LanguageConsistencyRule();
  private final LanguageConsistencyRule.Params defaults = rule.parseParams(Map.of());

  @Test
  void englishChainOfThoughtWithAChineseSentenceMathAndCode() {
    String completion =
        "<think>\nWe need to solve $x^2 = 4$. 所以答案是二。 Then the answer is \\(x = 2\\),"
            + " see `solve(x)` and\n```python\nprint(2)\n```\n\\[ \\frac{4}{2} \\]\n</think>\n"
            + "<answer>\nIgnored words here\n</answer>";

    RuleResult result = score(completion, "en", defaults);

    // English: we need to solve then the answer is see and = 10; Chinese: 所以答案是二 = 6.
    assertThat(result.score()).isEqualTo(10.0 / 16.0);
    assertThat(result.details())
        .containsEntry("words", 16)
        .containsEntry("target_words", 10)
        .containsEntry("words_by_language", Map.of("en", 10, "han", 6));
  }

  @Test
  void aFrenchSentenceInAnEnglishChainOfThoughtCountsAgainstIt() {
    String completion =
        "<think>We compute the sum. Donc la réponse est quatre. So it is done.</think>";

    RuleResult result = score(completion, "en", defaults);

    // en: we compute the sum so it is done = 8; fr: donc la réponse est quatre = 5.
    assertThat(result.score()).isEqualTo(8.0 / 13.0);
    assertThat(score(completion, "fr", defaults).score()).isEqualTo(5.0 / 13.0);
  }

  @Test
  void sharedWordsFollowTheirSentence() {
    // "also", "in" and "die" are also English words or list entries; the sentence is German.
    String completion =
        "<think>Wir berechnen die Summe. Also ist das Ergebnis in Ordnung. Then we check it.</think>";

    RuleResult result = score(completion, "de", defaults);

    // de: wir berechnen die summe also ist das ergebnis in ordnung = 10; en: then we check it = 4.
    assertThat(result.score()).isEqualTo(10.0 / 14.0);
  }

  @Test
  void sentencesWithoutListedWordsTakeTheirNeighboursLanguage() {
    // Only "la" and "dix" are listed (both French); the first sentence takes the next decided
    // sentence's language, the last one the previous.
    String completion = "<think>Rapidement vérifié. La somme vaut dix. Encore gcd.</think>";

    RuleResult result = score(completion, "fr", defaults);

    assertThat(result.score()).isEqualTo(1.0);
    assertThat(result.details()).containsEntry("words", 8);
    assertThat(score(completion, "en", defaults).score()).isEqualTo(0.0);
  }

  @Test
  void withoutAnyListedWordLatinWordsGetTheBenefitOfTheDoubtOnlyForALatinTarget() {
    String completion = "<think>Rapidement vérifié.</think>";

    assertThat(score(completion, "en", defaults).score()).isEqualTo(1.0);
    assertThat(score(completion, "zh", defaults).details())
        .containsEntry("words_by_language", Map.of("latin", 2));
  }

  @Test
  void chineseTargetCountsCharactersAndEnglishWordsAgainstIt() {
    RuleResult result = score("<think>我们计算 the sum，答案是 4。</think>", "zh", defaults);

    // zh: 我们计算答案是 = 7; en: the sum = 2.
    assertThat(result.score()).isEqualTo(7.0 / 9.0);
  }

  @Test
  void japaneseUsesKanjiAndKanaWhileChineseOnlyKanji() {
    String completion = "<think>答えは４です</think>";

    assertThat(score(completion, "ja", defaults).score()).isEqualTo(1.0);
    // 答 is Han; え は で す are kana; the full-width ４ is a number.
    assertThat(score(completion, "zh", defaults).score()).isEqualTo(0.2);
  }

  @Test
  void russianByScriptWithRegionSubtag() {
    RuleResult result =
        score("<think>Найдём сумму: $a+b$. Answer is 5.</think>", "ru-RU", defaults);

    assertThat(result.score()).isEqualTo(0.5);
  }

  @Test
  void promptPrefilledThinkAndWholeCompletionScope() {
    String completion = "Nous calculons.</think><answer>We are done here</answer>";

    assertThat(score(completion, "fr", defaults).score()).isEqualTo(1.0);
    LanguageConsistencyRule.Params whole = rule.parseParams(Map.of("scope", "completion"));
    // fr: nous calculons; en: we are done here.
    assertThat(score(completion, "fr", whole).score()).isEqualTo(2.0 / 6.0);
  }

  @Test
  void missingOrUnusableTargetIsNeverAZero() {
    String completion = "<think>We compute.</think>";

    assertThat(rule.score(RuleInput.ofCompletion(completion), defaults).status())
        .isEqualTo(RuleStatus.NOT_APPLICABLE);
    assertThat(score(completion, "english", defaults).status()).isEqualTo(RuleStatus.INVALID_INPUT);
    assertThat(score(completion, "nl", defaults).details().get("reason"))
        .isEqualTo("no detector for target language nl");
    LanguageConsistencyRule.Params englishOnly =
        rule.parseParams(Map.of("latin_languages", List.of("en")));
    assertThat(score(completion, "de", englishOnly).details().get("reason"))
        .isEqualTo("target language de is not among latin_languages");
  }

  /** A completion cannot dodge the language reward by leaving out its thinking or its prose. */
  @Test
  void noThinkBlockOrNoProseIsTheCompletionsFaultAndScoresTheMinimum() {
    RuleResult noTags = score("no tags at all", "en", defaults);
    assertThat(noTags.status()).isEqualTo(RuleStatus.INVALID_INPUT);
    assertThat(noTags.details()).containsEntry("fault", "completion");
    assertThat(noTags.details()).containsEntry("kind", "UNPARSABLE");

    ConfiguredRule<LanguageConsistencyRule.Params> configured =
        new ConfiguredRule<>(rule, defaults);
    RuleResult scored = configured.score(input("no tags at all", "en"));
    assertThat(scored.status()).isEqualTo(RuleStatus.OK);
    assertThat(scored.score()).isEqualTo(0.0);
    assertThat(scored.details())
        .containsEntry("kind", "UNPARSABLE")
        .containsEntry("status", "INVALID_INPUT")
        .containsEntry("scoredAs", "minimum");
    RuleResult onlyMath = configured.score(input("<think>$x = 2$ 42</think>", "en"));
    assertThat(onlyMath.score()).isEqualTo(0.0);
    assertThat(onlyMath.details()).containsEntry("kind", "WRONG_LANGUAGE");
  }

  @Test
  void unknownLatinLanguagesAreRejectedByName() {
    assertThatThrownBy(() -> rule.parseParams(Map.of("latin_languages", List.of("en", "nl"))))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'latin_languages'");
    assertThatThrownBy(() -> rule.parseParams(Map.of("latin_languages", List.of())))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'latin_languages'");
  }

  private RuleResult score(
      String completion, String language, LanguageConsistencyRule.Params params) {
    return rule.score(input(completion, language), params);
  }

  private static RuleInput input(String completion, String language) {
    return new RuleInput(
        null, null, completion, new RuleInput.Reference(null, null, language), null, null, null);
  }
}
