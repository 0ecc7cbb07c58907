package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Unit stripping behind its cheap pre-checks: every way a unit may end an answer (power marks, a
 * full stop, trailing spaces, a line separator) must still reach the unit patterns, and answers
 * ending in anything else keep their content.
 */
class AnswerNormalizerTest {

  @Test
  void trailingUnitsAreFoundWhateverFollowsThem() {
    assertThat(AnswerNormalizer.trailingUnit("5 cm.")).isEqualTo("cm");
    assertThat(AnswerNormalizer.trailingUnit("5 cm^{2}")).isEqualTo("cm^{2}");
    assertThat(AnswerNormalizer.trailingUnit("5 cm²")).isEqualTo("cm²");
    assertThat(AnswerNormalizer.trailingUnit("7 mph ")).isEqualTo("mph");
    assertThat(AnswerNormalizer.trailingUnit("5 cm\u2028")).isEqualTo("cm");
    assertThat(AnswerNormalizer.trailingUnit("10 km/h")).isEqualTo("km/h");
    assertThat(AnswerNormalizer.trailingUnit("12 square feet.")).isEqualTo("square feet");
    assertThat(AnswerNormalizer.trailingUnit("5 \\text{ seconds}")).isEqualTo("\\text{ seconds}");
    assertThat(AnswerNormalizer.trailingUnit("5 \\mathrm{~m}^{2}")).isEqualTo("\\mathrm{ m}^{2}");
  }

  @Test
  void answersWithoutAUnitKeepTheirContent() {
    assertThat(AnswerNormalizer.trailingUnit("\\frac{1}{2}")).isNull();
    assertThat(AnswerNormalizer.trailingUnit("2m")).isNull();
    assertThat(AnswerNormalizer.trailingUnit("x^{2}")).isNull();
    assertThat(AnswerNormalizer.normalize("2m")).isEqualTo("2m");
    assertThat(AnswerNormalizer.normalize("1 - \\frac{1}{\\mathrm{e}}"))
        .isEqualTo("1 - \\frac{1}{\\mathrm{e}}");
  }

  @Test
  void unitsAreStrippedBeforeParsing() {
    assertThat(AnswerNormalizer.normalize("12 square feet.")).isEqualTo("12");
    assertThat(AnswerNormalizer.normalize("5 \\text{ cm}^2")).isEqualTo("5");
    assertThat(AnswerNormalizer.normalize("3 ways")).isEqualTo("3");
  }
}
