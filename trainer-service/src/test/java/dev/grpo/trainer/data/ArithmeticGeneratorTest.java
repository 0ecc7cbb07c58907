package dev.grpo.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArithmeticGeneratorTest {

  @Test
  void splitsBySizeAndFractionDeterministically() {
    ArithmeticGenerator.Splits a = ArithmeticGenerator.generate(512, 0.2, 7);
    ArithmeticGenerator.Splits b = ArithmeticGenerator.generate(512, 0.2, 7);
    assertThat(a.eval()).hasSize(102);
    assertThat(a.train()).hasSize(410);
    assertThat(a).isEqualTo(b);
    assertThat(ArithmeticGenerator.generate(512, 0.2, 8).train()).isNotEqualTo(a.train());
    assertThat(ArithmeticGenerator.generate(10, 0.01, 1).eval()).hasSize(1);
    assertThat(ArithmeticGenerator.generate(10, 0.0, 1).eval()).isEmpty();
  }

  @Test
  void noEvalProblemIsATrainProblem() {
    ArithmeticGenerator.Splits s = ArithmeticGenerator.generate(1000, 0.2, 7);
    assertThat(s.eval()).hasSize(200);
    // 20 of the 100 sums are reserved: the eval items use them all and the train items none
    assertThat(s.eval().stream().distinct().count()).isEqualTo(20);
    assertThat(s.train().stream().distinct().count()).isEqualTo(80);
    assertThat(s.train()).doesNotContainAnyElementsOf(s.eval());
    assertThat(ArithmeticGenerator.generate(10, 0.01, 1).eval().get(0))
        .isNotIn(ArithmeticGenerator.generate(10, 0.01, 1).train());
  }

  @Test
  void problemsAreFormattedForTheStrictFormatRule() {
    ArithmeticGenerator.Problem p = new ArithmeticGenerator.Problem(3, 8);
    assertThat(p.prompt()).isEqualTo("3+8=");
    assertThat(p.answer()).isEqualTo("11");
    assertThat(p.solution()).isEqualTo("<think>\n3+8\n</think>\n<answer>\n11\n</answer>");
  }

  @Test
  void digitsCoverTheWholeRange() {
    List<ArithmeticGenerator.Problem> all = ArithmeticGenerator.generate(2000, 0, 3).train();
    assertThat(all.stream().mapToInt(ArithmeticGenerator.Problem::a).distinct().count())
        .isEqualTo(10);
    assertThat(all.stream().mapToInt(ArithmeticGenerator.Problem::b).max().orElseThrow())
        .isEqualTo(9);
  }
}
