package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnswerExtractorTest {

  private static final Set<AnswerFormat> BOTH = EnumSet.allOf(AnswerFormat.class);

  private static String first(String text) {
    return first(text, BOTH);
  }

  private static String first(String text, Set<AnswerFormat> formats) {
    List<AnswerExtractor.Candidate> c =
        AnswerExtractor.candidates(text, formats, 0, Deadline.none());
    return c.isEmpty() ? null : c.get(0).text();
  }

  @Test
  void finalAnswerAnchorBeatsEarlierMath() {
    assertThat(first("We get $x = 4$ first. The final answer is $7$. I hope it is correct."))
        .isEqualTo("7");
  }

  @Test
  void lastBoxWinsAndNestedBracesAreKept() {
    assertThat(
            first(
                "Try \\boxed{1}. Much later after a long detour we find \\boxed{\\frac{1}{2}} done"))
        .isEqualTo("\\frac{1}{2}");
    assertThat(first("\\fbox{3}")).isEqualTo("3");
  }

  @Test
  void boxOutranksAnswerColon() {
    assertThat(first("Answer: $5$ ... actually \\boxed{6}")).isEqualTo("6");
  }

  @Test
  void answerColonOutranksBareMath() {
    assertThat(first("Answer: $5$ and then some unrelated $x$")).isEqualTo("5");
  }

  @Test
  void rightmostBareMathWins() {
    assertThat(first("$a$ then $b$ and finally \\(c\\)")).isEqualTo("c");
    assertThat(first("$1$ and $2$", EnumSet.of(AnswerFormat.LATEX))).isEqualTo("1,2");
  }

  @Test
  void inlineMathDoesNotSpanLines() {
    assertThat(first("Answer $ \n 9 \n $", EnumSet.of(AnswerFormat.LATEX))).isNull();
    assertThat(first("Answer $$ \n 9 \n $$", EnumSet.of(AnswerFormat.LATEX)))
        .isEqualTo(" \n 9 \n ");
  }

  @Test
  void plainNumbersWithSeparatorsAndPercent() {
    assertThat(first("the total is 7,425,000", EnumSet.of(AnswerFormat.EXPRESSION)))
        .isEqualTo("7425000");
    assertThat(first("it is 1,22", EnumSet.of(AnswerFormat.EXPRESSION))).isEqualTo("1.22");
    assertThat(first("so 28 % of them", EnumSet.of(AnswerFormat.EXPRESSION))).isEqualTo("28\\%");
    assertThat(first("we need 3/4 of it", EnumSet.of(AnswerFormat.EXPRESSION))).isEqualTo("3/4");
  }

  @Test
  void percentWordAfterABoxBelongsToTheAnswer() {
    assertThat(first("$\\boxed{28}$ pct")).isEqualTo("28\\%");
  }

  @Test
  void lazyTrialOrderYieldsEveryCandidateInTheSameOrder() {
    List<String> texts =
        List.of(
            "We get $x = 3$ and 7 apples, so the answer is $\\boxed{12}$. Check: 12 - 5 = 7.",
            "First $\\frac{1}{2}$, then 0.5. The final answer is $4$. I hope it is correct. 9",
            "Answer: 1,000 \\boxed{\\text{oops}} and \\frac{3}{4} then $5$ or $6$ and 50%",
            "no numbers at all",
            "");
    for (String text : texts) {
      for (int boxedPriority : new int[] {-1, 0, 50, 300, 400}) {
        List<AnswerExtractor.Candidate> lazy = new java.util.ArrayList<>();
        AnswerExtractor.inTrialOrder(text, BOTH, boxedPriority, Deadline.none()).forEach(lazy::add);
        assertThat(lazy)
            .as("%s with box priority %d", text, boxedPriority)
            .isEqualTo(AnswerExtractor.candidates(text, BOTH, boxedPriority, Deadline.none()));
      }
    }
    List<AnswerExtractor.Candidate> all =
        AnswerExtractor.candidates(texts.get(0), BOTH, 0, Deadline.none());
    assertThat(all.get(0).text()).isEqualTo("12");
    assertThat(all).extracting(AnswerExtractor.Candidate::priority).contains(AnswerExtractor.BARE);
  }
}
