package dev.grpo.reward.format;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Open-r1's {@code tag_count_reward}: 0.25 for each of {@code "<think>\n"}, {@code "\n</think>\n"},
 * {@code "\n<answer>\n"} and {@code "\n</answer>"} that occurs exactly once. A softer signal than
 * {@code format} early in training, when the layout is only partly learnt.
 */
public final class TagCountRule implements ConfigurableRule<TagCountRule.Params> {

  private static final List<String> COUNTED_TAGS =
      List.of("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>");

  private static final ParamSchema SCHEMA = ParamSchema.of();

  /** The rule has no parameters. */
  public record Params() {}

  @Override
  public String name() {
    return "tag_count";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "0.25 for each of the four think/answer tags (with their newlines) present exactly once.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    SCHEMA.parse(rawParams);
    return new Params();
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    Map<String, Object> counts = new LinkedHashMap<>();
    double score = 0.0;
    for (String tag : COUNTED_TAGS) {
      int count = occurrences(input.completion(), tag);
      // The newlines are part of what is counted; escaping keeps them visible in the details.
      counts.put(tag.replace("\n", "\\n"), count);
      if (count == 1) {
        score += 0.25;
      }
    }
    return RuleResult.ok(score, Map.of("counts", counts));
  }

  /** Non-overlapping occurrences, as Python's {@code str.count}. */
  static int occurrences(String text, String needle) {
    int count = 0;
    for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
      count++;
    }
    return count;
  }
}
