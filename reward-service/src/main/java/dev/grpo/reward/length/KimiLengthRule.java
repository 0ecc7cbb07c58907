package dev.grpo.reward.length;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kimi k1.5's length reward, open-r1's {@code len_reward}: within a group, {@code λ = 0.5 − (len −
 * min)/(max − min)}; a correct completion gets λ, a wrong one {@code min(0, λ)}; when all lengths
 * are equal every completion gets 0.
 *
 * <p>Differences from open-r1, on purpose: min and max are taken over the completions of one prompt
 * (the group passed to {@link #scoreGroup}), as in the Kimi paper; open-r1 takes them over whatever
 * batch TRL hands the function, which mixes prompts. Correctness comes from {@link
 * RuleInput#correct()}; an unknown correctness gives NOT_APPLICABLE for that completion where
 * open-r1 treats an unparseable gold answer as correct. A group with fewer than two measurable
 * completions is NOT_APPLICABLE rather than 0.
 */
public final class KimiLengthRule implements ConfigurableRule<KimiLengthRule.Params> {

  private static final ParamSchema SCHEMA = ParamSchema.of(LengthUnit.paramSpec());

  public record Params(LengthUnit unit) {}

  @Override
  public String name() {
    return "length";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "Kimi 1.5 length reward within the group: λ = 0.5 − (len − min)/(max − min); correct →"
        + " λ, wrong → min(0, λ). Needs the group and each completion's correctness.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    return new Params(LengthUnit.fromParam(SCHEMA.parse(rawParams).getString(LengthUnit.PARAM)));
  }

  /** A lone completion has no group to compare with. */
  /** λ of the longest completion of a group. */
  @Override
  public double minimumScore(Params params) {
    return -0.5;
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    return scoreGroup(List.of(input), params).get(0);
  }

  @Override
  public List<RuleResult> scoreGroup(List<RuleInput> group, Params params) {
    LengthUnit unit = params.unit();
    List<RuleResult> results = new ArrayList<>(group.size());
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    int measurable = 0;
    for (RuleInput input : group) {
      RuleResult problem = unit.unmeasurable(input);
      results.add(problem);
      if (problem == null) {
        int length = unit.measure(input);
        min = Math.min(min, length);
        max = Math.max(max, length);
        measurable++;
      }
    }
    for (int i = 0; i < group.size(); i++) {
      if (results.get(i) != null) {
        continue;
      }
      RuleInput input = group.get(i);
      if (measurable < 2) {
        results.set(i, RuleResult.notApplicable("needs at least two measurable completions"));
      } else if (input.correct() == null) {
        results.set(i, RuleResult.notApplicable("correctness of the completion is unknown"));
      } else {
        results.set(i, scoreOne(unit.measure(input), min, max, input.correct()));
      }
    }
    return results;
  }

  private static RuleResult scoreOne(int length, int min, int max, boolean correct) {
    double lambda = max == min ? 0.0 : 0.5 - (length - min) / (double) (max - min);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("length", length);
    details.put("min_length", min);
    details.put("max_length", max);
    details.put("lambda", lambda);
    details.put("correct", correct);
    return RuleResult.ok(correct ? lambda : Math.min(0.0, lambda), details);
  }
}
