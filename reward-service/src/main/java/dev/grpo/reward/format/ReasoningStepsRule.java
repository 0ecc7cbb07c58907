package dev.grpo.reward.format;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open-r1's {@code reasoning_steps_reward}: {@code min(1, markers / 3)} where markers are "Step
 * N:", numbered-list items, bullets and the connectives "First,", "Second,", "Next,", "Finally,".
 *
 * <p>Deliberate differences from open-r1's regex {@code (Step \d+:|^\d+\.|\n-|\n\*|First,|…)}: it
 * has no MULTILINE flag, so {@code ^\d+\.} only counts a numbered item at the very start of the
 * text; here every line that starts with "N. " counts. Its {@code \n-} and {@code \n\*} also count
 * "---" rules, "**bold**" lines and "-3"; here a bullet is "-" or "*" followed by a space or tab at
 * the start of a line (the first line included).
 */
public final class ReasoningStepsRule implements ConfigurableRule<ReasoningStepsRule.Params> {

  private static final Pattern STEP_MARKER =
      Pattern.compile(
          "Step \\d+:|^[ \\t]*\\d+\\.[ \\t]|^[ \\t]*[-*][ \\t]|First,|Second,|Next,|Finally,",
          Pattern.MULTILINE);

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "steps_for_full_score",
              ParamType.INTEGER,
              3,
              "number of step markers that earns 1.0 (open-r1 hard-codes 3)"));

  public record Params(int stepsForFullScore) {}

  @Override
  public String name() {
    return "reasoning_steps";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "min(1, step markers / steps_for_full_score), counting \"Step N:\", numbered and bulleted"
        + " lines and First/Second/Next/Finally.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    int steps = SCHEMA.parse(rawParams).getInteger("steps_for_full_score", 1, Integer.MAX_VALUE);
    return new Params(steps);
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    int markers = countMarkers(input.completion());
    double score = Math.min(1.0, markers / (double) params.stepsForFullScore());
    return RuleResult.ok(score, Map.of("step_markers", markers));
  }

  static int countMarkers(String text) {
    int count = 0;
    for (Matcher matcher = STEP_MARKER.matcher(text); matcher.find(); ) {
      count++;
    }
    return count;
  }
}
