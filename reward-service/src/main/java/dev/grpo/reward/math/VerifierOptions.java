package dev.grpo.reward.math;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Verification settings.
 *
 * @param floatRounding significant decimals kept when a side is a written decimal (6 = Math-Verify)
 * @param strict when false, the prediction's variables are renamed to the gold's in order of
 *     appearance, so f(x) matches f(y)
 * @param allowSetRelationComparison when true a prediction written as an inequality may match a
 *     gold interval; off by default so a model cannot win by echoing the question's inequality
 * @param timeBudget wall-clock budget per call
 * @param formats notations the extractor accepts
 * @param boxedPriority anchor priority of {@code \boxed{}} (lower wins; 0 = as strong as "final
 *     answer is", 50 = Math-Verify's default), negative disables boxes
 * @param maxInputChars longer gold or prediction texts are rejected as INVALID_INPUT (default 256
 *     Ki chars: a 32k-token completion fits, and scanning stays well inside the time budget)
 */
public record VerifierOptions(
    int floatRounding,
    boolean strict,
    boolean allowSetRelationComparison,
    Duration timeBudget,
    Set<AnswerFormat> formats,
    int boxedPriority,
    int maxInputChars) {

  public VerifierOptions {
    Objects.requireNonNull(timeBudget, "timeBudget");
    if (floatRounding < 0 || floatRounding > 30) {
      throw new IllegalArgumentException("floatRounding must be in [0, 30]");
    }
    if (formats == null || formats.isEmpty()) {
      throw new IllegalArgumentException("at least one answer format is needed");
    }
    formats = Set.copyOf(formats);
    if (maxInputChars <= 0) {
      throw new IllegalArgumentException("maxInputChars must be positive");
    }
  }

  /**
   * Settings recommended for rewards: LaTeX and plain expressions, boxes first, 200 ms, inputs up
   * to 262,144 chars.
   */
  public static VerifierOptions defaults() {
    return new VerifierOptions(
        6,
        true,
        false,
        Duration.ofMillis(200),
        EnumSet.of(AnswerFormat.LATEX, AnswerFormat.EXPRESSION),
        0,
        262_144);
  }

  public VerifierOptions withFloatRounding(int digits) {
    return new VerifierOptions(
        digits,
        strict,
        allowSetRelationComparison,
        timeBudget,
        formats,
        boxedPriority,
        maxInputChars);
  }

  public VerifierOptions withStrict(boolean value) {
    return new VerifierOptions(
        floatRounding,
        value,
        allowSetRelationComparison,
        timeBudget,
        formats,
        boxedPriority,
        maxInputChars);
  }

  public VerifierOptions withAllowSetRelationComparison(boolean value) {
    return new VerifierOptions(
        floatRounding, strict, value, timeBudget, formats, boxedPriority, maxInputChars);
  }

  public VerifierOptions withTimeBudget(Duration value) {
    return new VerifierOptions(
        floatRounding,
        strict,
        allowSetRelationComparison,
        value,
        formats,
        boxedPriority,
        maxInputChars);
  }

  public VerifierOptions withFormats(Set<AnswerFormat> value) {
    return new VerifierOptions(
        floatRounding,
        strict,
        allowSetRelationComparison,
        timeBudget,
        value,
        boxedPriority,
        maxInputChars);
  }

  public VerifierOptions withBoxedPriority(int value) {
    return new VerifierOptions(
        floatRounding,
        strict,
        allowSetRelationComparison,
        timeBudget,
        formats,
        value,
        maxInputChars);
  }

  public VerifierOptions withMaxInputChars(int value) {
    return new VerifierOptions(
        floatRounding,
        strict,
        allowSetRelationComparison,
        timeBudget,
        formats,
        boxedPriority,
        value);
  }
}
