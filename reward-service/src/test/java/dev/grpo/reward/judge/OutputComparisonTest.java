package dev.grpo.reward.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutputComparisonTest {

  @Test
  void defaultIgnoresTrailingSpacesAndTrailingNewlinesOnly() {
    OutputComparison c = OutputComparison.DEFAULT;
    assertThat(c.matches("1 2  \n3\n\n\n", "1 2\n3")).isTrue();
    assertThat(c.matches("1 2\r\n3\r\n", "1 2\n3\n")).isTrue();
    assertThat(c.matches(" 1 2\n3", "1 2\n3")).isFalse();
    assertThat(c.matches("1  2\n3", "1 2\n3")).isFalse();
    assertThat(c.matches("1 2\n\n3", "1 2\n3")).isFalse();
    assertThat(c.matches("1 2\n3\n4", "1 2\n3")).isFalse();
    assertThat(c.matches("", "\n\n")).isTrue();
    assertThat(c.matches("Yes", "YES")).isFalse();
  }

  @Test
  void exactIsExact() {
    assertThat(OutputComparison.EXACT.matches("a\n", "a\n")).isTrue();
    assertThat(OutputComparison.EXACT.matches("a\n", "a")).isFalse();
    assertThat(OutputComparison.EXACT.matches("a \n", "a\n")).isFalse();
  }

  @Test
  void floatToleranceIsAbsoluteOrRelative() {
    OutputComparison c = OutputComparison.floatTolerance(1e-6);
    assertThat(c.matches("0.3333333\n", "0.33333333")).isTrue();
    assertThat(c.matches("0.3334", "0.3333")).isFalse();
    assertThat(c.matches("1000000.5", "1000000.0")).isTrue(); // relative
    assertThat(c.matches("1.0 abc 2", "1.0000001 abc 2")).isTrue();
    assertThat(c.matches("1.0 abd 2", "1.0 abc 2")).isFalse();
    assertThat(c.matches("1 2", "1 2 3")).isFalse();
    assertThat(c.matches("nan", "nan")).isTrue(); // same token
    assertThat(c.matches("nan", "NaN")).isFalse();
    assertThat(c.matches("1e3", "1000")).isTrue();
  }

  @Test
  void rejectsBadTolerance() {
    assertThatThrownBy(() -> OutputComparison.floatTolerance(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
