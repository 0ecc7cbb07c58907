package dev.grpo.reward.repetition;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Open-r1's {@code repetition_penalty_reward} (Demystifying Long CoT, App. C.2): {@code (1 −
 * distinct n-grams / n-grams) · max_penalty} over the lower-cased completion; 0 when it has fewer
 * words than {@code ngram_size}.
 *
 * <p>Words are whitespace-separated, except that every Han, Hiragana and Katakana character is a
 * word of its own, so Chinese and Japanese text (which has no spaces) is measured too. Open-r1
 * segments Chinese with jieba instead, and only when told the text is Chinese; characters need no
 * dictionary and handle mixed text, at the cost of finer n-grams (3 characters is about 1.5 Chinese
 * words).
 */
public final class RepetitionPenaltyRule implements ConfigurableRule<RepetitionPenaltyRule.Params> {

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec("ngram_size", ParamType.INTEGER, 3, "n of the n-grams compared"),
          new ParamSpec(
              "max_penalty",
              ParamType.NUMBER,
              -1.0,
              "penalty when every n-gram is a repeat; must be 0 or negative"));

  public record Params(int ngramSize, double maxPenalty) {}

  @Override
  public String name() {
    return "repetition_penalty";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "(1 − distinct n-grams / n-grams) · max_penalty over the completion's words; CJK"
        + " characters count as words.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values values = SCHEMA.parse(rawParams);
    int ngramSize = values.getInteger("ngram_size", 1, Integer.MAX_VALUE);
    double maxPenalty = values.getDouble("max_penalty");
    if (maxPenalty > 0) {
      throw new InvalidParamException(
          "max_penalty", "must be 0 or negative (it is a penalty), got " + maxPenalty);
    }
    return new Params(ngramSize, maxPenalty);
  }

  /** Every n-gram a repeat. */
  @Override
  public double minimumScore(Params params) {
    return params.maxPenalty();
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    List<String> words = words(input.completion());
    int n = params.ngramSize();
    int total = Math.max(0, words.size() - n + 1);
    Set<List<String>> distinct = new HashSet<>();
    for (int start = 0; start < total; start++) {
      if ((start & 0xfff) == 0) {
        stopIfCancelled();
      }
      distinct.add(words.subList(start, start + n));
    }
    double penalty =
        total == 0 ? 0.0 : (1.0 - distinct.size() / (double) total) * params.maxPenalty();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("words", words.size());
    details.put("ngrams", total);
    details.put("distinct_ngrams", distinct.size());
    return RuleResult.ok(penalty, details);
  }

  /** Lower-cased whitespace-separated words, with each CJK ideograph or kana split off alone. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    String lower = text.toLowerCase(Locale.ROOT);
    for (int i = 0; i < lower.length(); ) {
      if ((i & 0xffff) == 0) {
        stopIfCancelled();
      }
      int codePoint = lower.codePointAt(i);
      i += Character.charCount(codePoint);
      if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
        flush(word, words);
      } else if (isCjk(codePoint)) {
        flush(word, words);
        words.add(new String(Character.toChars(codePoint)));
      } else {
        word.appendCodePoint(codePoint);
      }
    }
    flush(word, words);
    return words;
  }

  /**
   * Long completions take a while; once the scorer has given up on this item (its deadline passed,
   * the thread is interrupted) the work stops instead of running on and holding memory.
   */
  private static void stopIfCancelled() {
    if (Thread.currentThread().isInterrupted()) {
      throw new java.util.concurrent.CancellationException("scoring was cancelled at its deadline");
    }
  }

  private static boolean isCjk(int codePoint) {
    Character.UnicodeScript script = Character.UnicodeScript.of(codePoint);
    return script == Character.UnicodeScript.HAN
        || script == Character.UnicodeScript.HIRAGANA
        || script == Character.UnicodeScript.KATAKANA;
  }

  private static void flush(StringBuilder word, List<String> words) {
    if (!word.isEmpty()) {
      words.add(word.toString());
      word.setLength(0);
    }
  }
}
