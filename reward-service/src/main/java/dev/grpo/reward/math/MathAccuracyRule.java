package dev.grpo.reward.math;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * 1 when the completion's final answer is mathematically equivalent to {@code reference.answer}, 0
 * when it is not. The answer is read only where the format puts it ({@link AnswerLocation}): the
 * last {@code <answer>…</answer>} block, else the last {@code \boxed{}}; a completion with neither
 * scores 0, and so does an answer that only copies the prompt. The last number of the text counts
 * only with {@code last_number_fallback} (GSM8K-style).
 *
 * <p>What the completion causes scores 0 with status OK: a hedged or ambiguous answer ({@link
 * FinalAnswerRules}) and an answer beyond the input guards ({@link
 * VerificationStatus#PREDICTION_REJECTED}). Only an unusable gold ({@code NOT_APPLICABLE}, {@code
 * INVALID_INPUT}) or the verifier's own time budget ({@code TIMEOUT}) has no score.
 *
 * <p>Version 2.1: 2.0 paid for "4 = 3", "-3, 3", "3 … no, 4", "(A) (B)" and "5 seconds" against 3,
 * B and 5 cm, and left over-size answers unscored. 1.x also searched the whole completion when
 * there was no answer block, so {@code "<think>7+0</think></answer>"} scored 1 for {@code 7+0=}.
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
                  + " one"),
          new ParamSpec(
              "last_number_fallback",
              ParamType.BOOLEAN,
              false,
              "GSM8K-style: with no answer block and no \\boxed{}, grade the last number of the"
                  + " text (off: such a completion scores 0)"));

  /** Typed params; see the schema. */
  public record Params(VerifierOptions options, boolean useAnswerTag, boolean lastNumberFallback) {}

  private static final String GOLD_UNPARSEABLE = "gold answer not parseable: ";

  private final MathVerifier verifier = new MathVerifier();

  @Override
  public String name() {
    return "math_accuracy";
  }

  @Override
  public String version() {
    return "2.1";
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
    return new Params(
        options, v.getBoolean("use_answer_tag"), v.getBoolean("last_number_fallback"));
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
    AnswerLocation.Located answer;
    try {
      answer =
          AnswerLocation.find(
              input.completion(),
              params.useAnswerTag(),
              params.lastNumberFallback(),
              Deadline.after(params.options().timeBudget()));
    } catch (Deadline.Exceeded e) {
      return RuleResult.timeout("looking for the answer: " + e.getMessage());
    }
    VerificationResult r =
        answer == null
            ? verifier.verify(gold, "", params.options())
            : verifier.verifyFinalAnswer(gold, answer.text(), params.options());
    if (r.status() == VerificationStatus.OK && answer == null) {
      return wrong(gold, null, "none", "no <answer> block and no \\boxed{} in the completion");
    }
    if (r.status() == VerificationStatus.OK
        && AnswerLocation.restatesPrompt(answer.text(), input.prompt())) {
      return wrong(gold, answer.text(), answer.source(), "the answer only restates the prompt");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("gold", r.gold());
    details.put("prediction", r.prediction());
    details.put("source", answer == null ? "none" : answer.source());
    details.put("detail", r.detail());
    return switch (r.status()) {
      case OK -> RuleResult.ok(r.correct() ? 1.0 : 0.0, details);
      case PREDICTION_REJECTED -> RuleResult.ok(0.0, details);
      case NOT_APPLICABLE -> RuleResult.notApplicable(GOLD_UNPARSEABLE + r.detail());
      case TIMEOUT -> RuleResult.timeout(r.detail());
      case INVALID_INPUT -> RuleResult.invalidInput(r.detail());
    };
  }

  /**
   * Whether a result of this rule is the verifier saying it cannot decide, as opposed to a verdict
   * or a fault of the completion: the gold answer does not parse, or the completion's located
   * answer holds nothing the verifier can read (prose, a word for a number). A judge may decide
   * those; a missing answer, a copy of the prompt or a hedge stays 0.
   */
  public static boolean undecided(RuleResult r) {
    if (r.status() == RuleStatus.NOT_APPLICABLE) {
      return String.valueOf(r.details().get("reason")).startsWith(GOLD_UNPARSEABLE);
    }
    return r.status() == RuleStatus.OK
        && r.score() == 0.0
        && MathVerifier.NO_ANSWER_IN_PREDICTION.equals(r.details().get("detail"))
        && !"none".equals(r.details().get("source"));
  }

  /**
   * The completion's final answer where the format puts it (the last answer block, else the last
   * boxed group), or empty when it states none.
   *
   * @throws TimeoutException when a hostile completion makes the search outlast {@code budget}
   */
  public static Optional<String> finalAnswer(
      String completion, boolean useAnswerTag, Duration budget) throws TimeoutException {
    try {
      AnswerLocation.Located a =
          AnswerLocation.find(completion, useAnswerTag, false, Deadline.after(budget));
      return a == null ? Optional.empty() : Optional.of(a.text());
    } catch (Deadline.Exceeded e) {
      throw new TimeoutException("looking for the answer: " + e.getMessage());
    }
  }

  /** Whether an answer only copies (part of) the prompt. */
  public static boolean restatesPrompt(String answer, String prompt) {
    return AnswerLocation.restatesPrompt(answer, prompt);
  }

  private static RuleResult wrong(String gold, String prediction, String source, String why) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("gold", gold);
    if (prediction != null) {
      details.put("prediction", prediction);
    }
    details.put("source", source);
    details.put("detail", why);
    return RuleResult.ok(0.0, details);
  }
}
