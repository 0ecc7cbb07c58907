package dev.grpo.reward.length;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Open-r1's {@code cosine_scaled_reward} (Demystifying Long CoT): {@code r = lo + ½(hi − lo)(1 +
 * cos(π·progress))} with {@code progress = len / max_len}; a correct completion uses {@code
 * lo=min_value_correct, hi=max_value_correct}, a wrong one {@code lo=max_value_wrong,
 * hi=min_value_wrong}. So at length 0 the reward is {@code hi}, at {@code max_len} it is {@code
 * lo}. Defaults are open-r1's {@code GRPOScriptArguments} ones (not the function's), which is what
 * its recipes run.
 *
 * <p>Differences, on purpose: progress is clamped to 1, because open-r1's unclamped cosine climbs
 * back to the short-answer reward at twice {@code max_len}. Correctness comes from {@link
 * RuleInput#correct()}; unknown gives NOT_APPLICABLE where open-r1 gives 1.0 for an unparseable
 * gold answer.
 */
public final class CosineLengthRule implements ConfigurableRule<CosineLengthRule.Params> {

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "min_value_wrong", ParamType.NUMBER, 0.0, "reward of a wrong completion of length 0"),
          new ParamSpec(
              "max_value_wrong",
              ParamType.NUMBER,
              -0.5,
              "reward of a wrong completion of length max_len"),
          new ParamSpec(
              "min_value_correct",
              ParamType.NUMBER,
              0.5,
              "reward of a correct completion of length max_len"),
          new ParamSpec(
              "max_value_correct",
              ParamType.NUMBER,
              1.0,
              "reward of a correct completion of length 0"),
          new ParamSpec(
              "max_len", ParamType.INTEGER, 1000, "length at which the cosine reaches its end"),
          LengthUnit.paramSpec());

  public record Params(
      double minValueWrong,
      double maxValueWrong,
      double minValueCorrect,
      double maxValueCorrect,
      int maxLen,
      LengthUnit unit) {}

  @Override
  public String name() {
    return "cosine_length";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "Open-r1 cosine-scaled length reward: correct answers earn more when short, wrong"
        + " answers are scaled between min_value_wrong and max_value_wrong. Needs correctness.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values values = SCHEMA.parse(rawParams);
    int maxLen = values.getInteger("max_len", 1, Integer.MAX_VALUE);
    return new Params(
        values.getDouble("min_value_wrong"),
        values.getDouble("max_value_wrong"),
        values.getDouble("min_value_correct"),
        values.getDouble("max_value_correct"),
        maxLen,
        LengthUnit.fromParam(values.getString(LengthUnit.PARAM)));
  }

  /** The lowest end of either cosine. */
  @Override
  public double minimumScore(Params params) {
    return Math.min(
        Math.min(params.minValueWrong(), params.maxValueWrong()),
        Math.min(params.minValueCorrect(), params.maxValueCorrect()));
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    RuleResult problem = params.unit().unmeasurable(input);
    if (problem != null) {
      return problem;
    }
    if (input.correct() == null) {
      return RuleResult.notApplicable("correctness of the completion is unknown");
    }
    int length = params.unit().measure(input);
    double progress = Math.min(1.0, length / (double) params.maxLen());
    boolean correct = input.correct();
    double lo = correct ? params.minValueCorrect() : params.maxValueWrong();
    double hi = correct ? params.maxValueCorrect() : params.minValueWrong();
    double reward = lo + 0.5 * (hi - lo) * (1.0 + Math.cos(Math.PI * progress));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("length", length);
    details.put("progress", progress);
    details.put("correct", correct);
    return RuleResult.ok(reward, details);
  }
}
