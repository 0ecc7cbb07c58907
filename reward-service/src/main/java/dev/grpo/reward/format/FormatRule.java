package dev.grpo.reward.format;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * 1.0 when the completion is laid out as {@code <think>…</think><answer>…</answer>}, else 0.0.
 *
 * <p>Strict mode is open-r1's {@code format_reward} layout, {@code
 * <think>\n…\n</think>\n<answer>\n…\n</answer>}, applied to the whole completion. Open-r1 compiles
 * its regex with MULTILINE, so {@code $} also matches before an inner newline and text on a line
 * after {@code </answer>} passes; here nothing may follow {@code </answer>}. Both modes also demand
 * each of the four tags exactly once, which open-r1's lazy {@code .*?} does not: a second {@code
 * <answer>} block would otherwise hide inside the first answer.
 *
 * <p>Lenient mode accepts any whitespace (or none) inside and between the tags and any text before
 * {@code <think>} or after {@code </answer>} (chat-template leftovers, an end-of-turn marker); only
 * whitespace may separate {@code </think>} from {@code <answer>}.
 */
public final class FormatRule implements ConfigurableRule<FormatRule.Params> {

  static final String STRICT = "strict";
  static final String LENIENT = "lenient";

  private static final List<String> TAGS = List.of("<think>", "</think>", "<answer>", "</answer>");
  private static final Pattern STRICT_LAYOUT =
      Pattern.compile("<think>\n.*\n</think>\n<answer>\n.*\n</answer>", Pattern.DOTALL);
  private static final Pattern LENIENT_LAYOUT =
      Pattern.compile(".*<think>.*</think>\\s*<answer>.*</answer>.*", Pattern.DOTALL);

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "mode",
              ParamType.STRING,
              STRICT,
              List.of(STRICT, LENIENT),
              "strict: exactly <think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>; lenient: free"
                  + " whitespace around tags and free text before <think> and after </answer>"),
          new ParamSpec(
              "think_prefilled",
              ParamType.BOOLEAN,
              false,
              "the prompt already ends with \"<think>\\n\" (R1 chat templates), so the completion"
                  + " starts inside the think block"));

  /**
   * @param lenient whether lenient mode is on
   * @param thinkPrefilled whether {@code "<think>\n"} is taken from the prompt
   */
  public record Params(boolean lenient, boolean thinkPrefilled) {}

  @Override
  public String name() {
    return "format";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "1.0 if the completion is <think>…</think> followed by <answer>…</answer>, else 0.0.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values values = SCHEMA.parse(rawParams);
    return new Params(
        LENIENT.equals(values.getString("mode")), values.getBoolean("think_prefilled"));
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    String text = params.thinkPrefilled() ? "<think>\n" + input.completion() : input.completion();
    String violation = params.lenient() ? lenientViolation(text) : strictViolation(text);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("mode", params.lenient() ? LENIENT : STRICT);
    if (violation != null) {
      details.put("violation", violation);
    }
    return RuleResult.ok(violation == null ? 1.0 : 0.0, details);
  }

  private static String strictViolation(String text) {
    String tagProblem = tagCountViolation(text);
    if (tagProblem != null) {
      return tagProblem;
    }
    return STRICT_LAYOUT.matcher(text).matches()
        ? null
        : "not exactly <think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>";
  }

  private static String lenientViolation(String text) {
    String tagProblem = tagCountViolation(text);
    if (tagProblem != null) {
      return tagProblem;
    }
    return LENIENT_LAYOUT.matcher(text).matches()
        ? null
        : "tags out of order, or text between </think> and <answer>";
  }

  private static String tagCountViolation(String text) {
    for (String tag : TAGS) {
      int count = TagCountRule.occurrences(text, tag);
      if (count != 1) {
        return tag + " appears " + count + " times";
      }
    }
    return null;
  }
}
