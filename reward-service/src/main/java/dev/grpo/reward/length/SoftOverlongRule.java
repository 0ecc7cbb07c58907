package dev.grpo.reward.length;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DAPO's soft overlong punishment (Eq. 13) on token counts, with L the maximum completion length
 * and C the punishment cache: 0 when {@code len ≤ L − C}; {@code ((L − C) − len) / C} when {@code L
 * − C < len ≤ L}; −1 beyond L.
 *
 * <p>Difference from open-r1 on purpose: L defaults to the limit the completion was actually
 * sampled with ({@link RuleInput#maxTokens()}) rather than a fixed 16384, so the shaping follows
 * the run's {@code max_tokens}; setting {@code max_completion_len} overrides it.
 */
public final class SoftOverlongRule implements ConfigurableRule<SoftOverlongRule.Params> {

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "max_completion_len",
              ParamType.INTEGER,
              null,
              "L in tokens; when absent, the input's maxTokens"),
          new ParamSpec(
              "soft_punish_cache",
              ParamType.INTEGER,
              4096,
              "C in tokens: the buffer below L where the penalty grows linearly from 0 to -1"));

  /**
   * @param maxCompletionLen L, or null to take each input's maxTokens
   * @param softPunishCache C
   */
  public record Params(Integer maxCompletionLen, int softPunishCache) {}

  @Override
  public String name() {
    return "soft_overlong";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "DAPO soft overlong punishment on completion tokens: 0 up to L − C, linear to −1 at L,"
        + " −1 beyond.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values values = SCHEMA.parse(rawParams);
    Integer maxLen = values.getInteger("max_completion_len");
    int cache = values.getInteger("soft_punish_cache", 1, Integer.MAX_VALUE);
    if (maxLen != null && maxLen < cache) {
      throw new InvalidParamException(
          "max_completion_len",
          "must be at least soft_punish_cache (" + cache + "), got " + maxLen);
    }
    return new Params(maxLen, cache);
  }

  /** Over the hard limit. */
  @Override
  public double minimumScore(Params params) {
    return -1.0;
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    Integer length = input.completionTokens();
    if (length == null) {
      return RuleResult.notApplicable("completionTokens is missing");
    }
    if (length < 0) {
      return RuleResult.invalidInput("completionTokens is negative: " + length);
    }
    boolean fromParams = params.maxCompletionLen() != null;
    Integer maxLen = fromParams ? params.maxCompletionLen() : input.maxTokens();
    if (maxLen == null) {
      return RuleResult.notApplicable(
          "neither max_completion_len nor the input's maxTokens is set");
    }
    int cache = params.softPunishCache();
    if (maxLen < cache) {
      return RuleResult.invalidInput(
          "maxTokens " + maxLen + " is below soft_punish_cache " + cache);
    }
    int expectedLen = maxLen - cache;
    double penalty;
    if (length <= expectedLen) {
      penalty = 0.0;
    } else if (length <= maxLen) {
      penalty = (expectedLen - length) / (double) cache;
    } else {
      penalty = -1.0;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("completion_tokens", length);
    details.put("max_completion_len", maxLen);
    details.put("max_completion_len_source", fromParams ? "params" : "input");
    details.put("soft_punish_cache", cache);
    return RuleResult.ok(penalty, details);
  }
}
