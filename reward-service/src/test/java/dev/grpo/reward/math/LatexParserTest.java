package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.math.Expr.Interval;
import dev.grpo.reward.math.Expr.Matrix;
import dev.grpo.reward.math.Expr.Relation;
import dev.grpo.reward.math.Expr.SetOf;
import dev.grpo.reward.math.Expr.Text;
import dev.grpo.reward.math.Expr.Tuple;
import org.junit.jupiter.api.Test;

class LatexParserTest {

  private static Expr parse(String s) {
    return LatexParser.parse(s, Deadline.none());
  }

  private static String value(String s) {
    Evaluator.Value v = new Evaluator(java.util.Map.of(), Deadline.none()).eval(parse(s));
    return v.isExact()
        ? v.exact().toString()
        : v.approx().round(new java.math.MathContext(10)).toString();
  }

  @Test
  void arithmeticPrecedence() {
    assertThat(value("1+2\\cdot 3^2")).isEqualTo("19");
    assertThat(value("-2^2")).isEqualTo("-4");
    assertThat(value("\\frac12 + \\dfrac{1}{3}")).isEqualTo("5/6");
    assertThat(value("2(3+4)")).isEqualTo("14");
    assertThat(value("6/2/3")).isEqualTo("1");
    assertThat(value("3!")).isEqualTo("6");
    assertThat(value("\\binom{6}{3}")).isEqualTo("20");
    assertThat(value("25\\%")).isEqualTo("1/4");
    assertThat(value("\\sqrt{16}")).isEqualTo("4");
    assertThat(value("\\sqrt[3]{27}")).isEqualTo("3");
    assertThat(value("7\\frac{3}{4}")).isEqualTo("31/4");
    assertThat(value("2.5e3")).isEqualTo("2500");
    assertThat(value("\\pi")).isEqualTo("3.141592654");
    assertThat(value("\\left(1+\\frac{1}{2}\\right)^{2}")).isEqualTo("9/4");
    assertThat(value("\\sum_{k=1}^{4} k^2")).isEqualTo("30");
  }

  @Test
  void structures() {
    assertThat(parse("[1, 2)")).isEqualTo(new Interval(num(1), num(2), true, false));
    assertThat(parse("(1, 2)")).isInstanceOf(Tuple.class);
    assertThat(parse("\\{1, 2, 3\\}")).isInstanceOf(SetOf.class);
    assertThat(parse("1, 2 \\text{ and } 3"))
        .isEqualTo(new SetOf(java.util.List.of(num(1), num(2), num(3))));
    assertThat(parse("x \\geq 5")).isInstanceOf(Relation.class);
    assertThat(parse("\\begin{bmatrix}1 & 2\\\\ 3 & 4\\end{bmatrix}")).isInstanceOf(Matrix.class);
    assertThat(parse("\\text{Evelyn}")).isEqualTo(new Text("Evelyn"));
    assertThat(((SetOf) parse("1 \\pm \\sqrt{2}")).items()).hasSize(2);
  }

  @Test
  void unitsAreDroppedButConstantsInMathrmAreNot() {
    assertThat(value("10\\text{ cm}")).isEqualTo("10");
    assertThat(value("5 \\mbox{ meters}")).isEqualTo("5");
    assertThat(value("12 inches")).isEqualTo("12");
    assertThat(value("\\mathrm{e}")).isEqualTo("2.718281828");
    assertThat(value("90^{\\circ}")).isEqualTo("90");
  }

  @Test
  void rejectsGarbage() {
    assertThatThrownBy(() -> parse("\\frac{1}")).isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> parse("(1, 2")).isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> parse("\\foo{1}")).isInstanceOf(ParseException.class);
  }

  private static Expr num(long n) {
    return new Expr.Num(Rational.of(n), false);
  }
}
