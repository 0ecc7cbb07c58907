package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnswerLocationTest {

  @Test
  void squeezeDropsSpacesAndMathDelimitersOnly() {
    assertThat(AnswerLocation.squeeze("a \\\\( $b$ \\[c\\] \\\\(d")).isEqualTo("a\\bc\\d");
    assertThat(AnswerLocation.restatesPrompt("$7 + 0$", "What is \\(7+0\\)=?")).isTrue();
    assertThat(AnswerLocation.restatesPrompt("$7 + 1$", "What is \\(7+0\\)=?")).isFalse();
  }
}
