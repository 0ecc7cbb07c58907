package dev.grpo.reward.language;

import dev.grpo.reward.rule.CompletionFault;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.lang.Character.UnicodeScript;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * DeepSeek-R1's language-consistency reward: the share of the chain of thought's words that are in
 * the target language ({@code reference.language}, ISO 639-1).
 *
 * <p>Code (fenced and inline), math ({@code $…$}, {@code $$…$$}, {@code \(…\)}, {@code \[…\]},
 * environments, bare LaTeX commands), URLs, numbers, identifiers and one-letter words are skipped.
 * A word's language comes from its Unicode script for languages with their own script (Han, kana,
 * Hangul, Cyrillic, Arabic, Greek, Hebrew, Devanagari, Thai, …); for Latin-script languages a small
 * detector limited to {@code latin_languages} decides, from built-in lists of frequent words (see
 * {@link LatinLanguageGuesser}). R1 published no implementation; open-r1 has none on main.
 */
public final class LanguageConsistencyRule
    implements ConfigurableRule<LanguageConsistencyRule.Params> {

  static final String SCOPE_THINK = "think";
  static final String SCOPE_COMPLETION = "completion";

  private static final Pattern LANGUAGE_TAG = Pattern.compile("([a-z]{2})(?:[-_].*)?");

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "latin_languages",
              ParamType.STRING_LIST,
              LatinLexicon.LANGUAGES,
              LatinLexicon.LANGUAGES,
              "Latin-script languages the detector chooses among; a Latin target must be one"),
          new ParamSpec(
              "scope",
              ParamType.STRING,
              SCOPE_THINK,
              List.of(SCOPE_THINK, SCOPE_COMPLETION),
              "think: the first <think> block (or the text before </think> when the prompt opened"
                  + " it); completion: the whole completion"));

  /**
   * @param latinLanguages the languages the Latin-script detector chooses among
   * @param wholeCompletion whether to check the whole completion instead of the think block
   */
  public record Params(List<String> latinLanguages, boolean wholeCompletion) {}

  @Override
  public String name() {
    return "language_consistency";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "Share of the chain of thought's words (math, code and numbers skipped) in the"
        + " reference language.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values values = SCHEMA.parse(rawParams);
    List<String> latinLanguages =
        List.copyOf(new LinkedHashSet<>(values.getStringList("latin_languages")));
    if (latinLanguages.isEmpty()) {
      throw new InvalidParamException("latin_languages", "must name at least one language");
    }
    return new Params(latinLanguages, SCOPE_COMPLETION.equals(values.getString("scope")));
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    String requested = input.language();
    if (requested == null || requested.isBlank()) {
      return RuleResult.notApplicable("reference.language is missing");
    }
    var tag = LANGUAGE_TAG.matcher(requested.strip().toLowerCase(Locale.ROOT));
    if (!tag.matches()) {
      return RuleResult.invalidInput(
          "reference.language '" + requested + "' is not an ISO 639-1 code");
    }
    String target = tag.group(1);
    boolean latinTarget = params.latinLanguages().contains(target);
    Set<UnicodeScript> targetScripts = ScriptLanguages.scriptsOf(target);
    if (!latinTarget && targetScripts.isEmpty()) {
      return RuleResult.notApplicable(
          LatinLexicon.LANGUAGES.contains(target)
              ? "target language " + target + " is not among latin_languages"
              : "no detector for target language " + target);
    }
    String text =
        params.wholeCompletion() ? input.completion() : ChainOfThought.extract(input.completion());
    if (text == null) {
      return CompletionFault.of(
          CompletionFault.Kind.UNPARSABLE, "the completion has no <think> block");
    }
    List<ProseWords.Word> words = ProseWords.of(ChainOfThought.prose(text));
    if (words.isEmpty()) {
      return CompletionFault.of(
          CompletionFault.Kind.WRONG_LANGUAGE,
          "no words left after skipping math, code and numbers");
    }

    List<String> labels =
        labels(words, target, latinTarget, targetScripts, params.latinLanguages());
    Map<String, Integer> counts = new HashMap<>();
    labels.forEach(label -> counts.merge(label, 1, Integer::sum));
    int targetWords = counts.getOrDefault(target, 0);
    double share = targetWords / (double) words.size();

    Map<String, Object> details = new LinkedHashMap<>();
    details.put("target", target);
    details.put("words", words.size());
    details.put("target_words", targetWords);
    details.put("words_by_language", byCountDescending(counts));
    return RuleResult.ok(share, details);
  }

  /**
   * One label per word: the target code for target-language words; otherwise a Latin language code
   * (or "latin") or a lower-cased script name ("han", "cyrillic").
   */
  private static List<String> labels(
      List<ProseWords.Word> words,
      String target,
      boolean latinTarget,
      Set<UnicodeScript> targetScripts,
      List<String> latinLanguages) {
    List<ProseWords.Word> latinWords =
        words.stream().filter(word -> word.script() == UnicodeScript.LATIN).toList();
    // Without any listed word, Latin words get the benefit of the doubt only for a Latin target.
    String fallback = latinTarget ? target : "latin";
    List<String> latinLabels =
        LatinLanguageGuesser.assign(latinWords, latinLanguages, target, fallback);
    List<String> labels = new ArrayList<>(words.size());
    int nextLatin = 0;
    for (ProseWords.Word word : words) {
      if (word.script() == UnicodeScript.LATIN) {
        labels.add(latinLabels.get(nextLatin++));
      } else if (targetScripts.contains(word.script())) {
        labels.add(target);
      } else {
        labels.add(word.script().name().toLowerCase(Locale.ROOT));
      }
    }
    return labels;
  }

  private static Map<String, Integer> byCountDescending(Map<String, Integer> counts) {
    Map<String, Integer> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(
            Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
        .forEach(entry -> sorted.put(entry.getKey(), entry.getValue()));
    return sorted;
  }
}
