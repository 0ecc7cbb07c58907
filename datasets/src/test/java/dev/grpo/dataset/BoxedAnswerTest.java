package dev.grpo.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoxedAnswerTest {

  @Test
  void theLastBoxWinsAndNestedBracesStayWhole() {
    assertThat(BoxedAnswer.last("so $\\boxed{3}$ and then $\\boxed{\\frac{1}{\\sqrt{2}}}$."))
        .isEqualTo("\\frac{1}{\\sqrt{2}}");
    assertThat(BoxedAnswer.last("$\\boxed 5$")).isEqualTo("5");
    assertThat(BoxedAnswer.last("\\fbox{x=2}")).isEqualTo("x=2");
    assertThat(BoxedAnswer.last("\\boxed{\\{1,2\\}}")).isEqualTo("\\{1,2\\}");
    assertThat(BoxedAnswer.last("no box")).isNull();
    assertThat(BoxedAnswer.last("\\boxed{unclosed")).isNull();
  }
}
