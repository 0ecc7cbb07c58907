package dev.grpo.reward.length;

import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.List;

/** How the length rules measure a completion. */
public enum LengthUnit {
  /** Unicode code points, like Python's {@code len(str)} in open-r1 (not UTF-16 units). */
  CHARACTERS("characters"),
  /** {@link RuleInput#completionTokens()}, as counted by the policy's tokenizer. */
  TOKENS("tokens");

  static final String PARAM = "length_unit";

  private final String paramValue;

  LengthUnit(String paramValue) {
    this.paramValue = paramValue;
  }

  static ParamSpec paramSpec() {
    return new ParamSpec(
        PARAM,
        ParamType.STRING,
        CHARACTERS.paramValue,
        List.of(CHARACTERS.paramValue, TOKENS.paramValue),
        "characters (code points, as open-r1) or tokens (the input's completionTokens)");
  }

  static LengthUnit fromParam(String value) {
    return TOKENS.paramValue.equals(value) ? TOKENS : CHARACTERS;
  }

  /**
   * Why the input cannot be measured in this unit, or null when it can. Keeps the rules from ever
   * measuring a missing token count as 0.
   */
  RuleResult unmeasurable(RuleInput input) {
    if (this == CHARACTERS) {
      return null;
    }
    if (input.completionTokens() == null) {
      return RuleResult.notApplicable("completionTokens is missing and length_unit is tokens");
    }
    if (input.completionTokens() < 0) {
      return RuleResult.invalidInput("completionTokens is negative: " + input.completionTokens());
    }
    return null;
  }

  /** The length; call only when {@link #unmeasurable} returned null. */
  int measure(RuleInput input) {
    String text = input.completion();
    return this == CHARACTERS ? text.codePointCount(0, text.length()) : input.completionTokens();
  }
}
