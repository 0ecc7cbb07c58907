package dev.grpo.reward.math;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * 1 when the completion's final answer is mathematically equivalent to {@code reference.answer}, 0
 * when it is not; an unparseable gold is {@code NOT_APPLICABLE} and a hostile or too slow input is
 * {@code INVALID_INPUT} or {@code TIMEOUT}, never a silent 0. With R1's format, the answer is read
 * from the last {@code <answer>…</answer>} block when there is one.
 */
public final class MathAccuracyRule implements ConfigurableRule<MathAccuracyRule.Params> {

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "float_rounding",
              ParamType.INTEGER,
              6,
              "digits a decimal is rounded to before comparing (only when a side is a decimal)"),
          new ParamSpec(
              "strict",
              ParamType.BOOLEAN,
              true,
              "false also accepts a bare value for a variable assignment and lenient relations"),
          new ParamSpec(
              "allow_set_relation_comparison",
              ParamType.BOOLEAN,
              false,
              "let an inequality match an interval or set gold"),
          new ParamSpec(
              "use_answer_tag",
              ParamType.BOOLEAN,
              true,
              "read the answer from the last <answer>…</answer> block when the completion has"
                  + " one"));

  /** Typed params; see the schema. */
  public record Params(VerifierOptions options, boolean useAnswerTag) {}

  private final MathVerifier verifier = new MathVerifier();

  @Override
  public String name() {
    return "math_accuracy";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "1 if the final answer is mathematically equivalent to reference.answer, else 0"
        + " (exact rationals, high-precision identity tests, sets, intervals, relations).";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values v = SCHEMA.parse(rawParams);
    int rounding = v.getInteger("float_rounding", 0, 30);
    VerifierOptions options =
        VerifierOptions.defaults()
            .withFloatRounding(rounding)
            .withStrict(v.getBoolean("strict"))
            .withAllowSetRelationComparison(v.getBoolean("allow_set_relation_comparison"));
    return new Params(options, v.getBoolean("use_answer_tag"));
  }

  @Override
  public Duration timeBudget(Params params, Duration ruleTimeout) {
    // the verifier keeps its own budget and answers TIMEOUT with details; leave it room to do so
    Duration own = params.options().timeBudget().plusMillis(100);
    return own.compareTo(ruleTimeout) > 0 ? own : ruleTimeout;
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    String gold = input.reference() == null ? null : input.reference().answer();
    if (gold == null || gold.isBlank()) {
      return RuleResult.notApplicable("the item has no reference.answer");
    }
    String prediction = input.completion();
    String source = "completion";
    if (params.useAnswerTag()) {
      String tagged = lastAnswerBlock(prediction);
      if (tagged != null) {
        prediction = tagged;
        source = "answer_tag";
      }
    }
    VerificationResult r = verifier.verify(gold, prediction, params.options());
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("gold", r.gold());
    details.put("prediction", r.prediction());
    details.put("source", source);
    details.put("detail", r.detail());
    return switch (r.status()) {
      case OK -> RuleResult.ok(r.correct() ? 1.0 : 0.0, details);
      case NOT_APPLICABLE -> RuleResult.notApplicable("gold answer not parseable: " + r.detail());
      case TIMEOUT -> RuleResult.timeout(r.detail());
      case INVALID_INPUT -> RuleResult.invalidInput(r.detail());
    };
  }

  static String lastAnswerBlock(String completion) {
    int close = completion.lastIndexOf("</answer>");
    if (close < 0) {
      return null;
    }
    int open = completion.lastIndexOf("<answer>", close);
    return open < 0 ? null : completion.substring(open + "<answer>".length(), close);
  }
}
