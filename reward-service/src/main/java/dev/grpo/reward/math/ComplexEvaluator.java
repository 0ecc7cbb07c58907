package dev.grpo.reward.math;

import dev.grpo.reward.math.Evaluator.NotEvaluable;
import dev.grpo.reward.math.Expr.Add;
import dev.grpo.reward.math.Expr.Call;
import dev.grpo.reward.math.Expr.Const;
import dev.grpo.reward.math.Expr.Mul;
import dev.grpo.reward.math.Expr.Num;
import dev.grpo.reward.math.Expr.Pow;
import dev.grpo.reward.math.Expr.Sym;
import java.util.Map;

/**
 * Double-precision complex evaluation with {@code i} as the imaginary unit. Only consulted when the
 * exact/real comparison, which treats {@code i} as a variable, says "different": then {@code i^2}
 * vs {@code -1} or {@code (1+i)^2} vs {@code 2i} still match.
 */
final class ComplexEvaluator {

  /** A complex number. */
  record Complex(double re, double im) {
    Complex plus(Complex o) {
      return new Complex(re + o.re, im + o.im);
    }

    Complex times(Complex o) {
      return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
    }

    Complex reciprocal() {
      double d = re * re + im * im;
      if (d == 0) {
        throw new NotEvaluable("division by zero", true);
      }
      return new Complex(re / d, -im / d);
    }

    double abs() {
      return Math.hypot(re, im);
    }

    Complex log() {
      if (re == 0 && im == 0) {
        throw new NotEvaluable("log of zero", true);
      }
      return new Complex(Math.log(abs()), Math.atan2(im, re));
    }

    Complex exp() {
      double m = Math.exp(re);
      return new Complex(m * Math.cos(im), m * Math.sin(im));
    }

    boolean finite() {
      return Double.isFinite(re) && Double.isFinite(im);
    }
  }

  private static final Complex I = new Complex(0, 1);
  private static final Complex ONE = new Complex(1, 0);
  private static final int MAX_INTEGER_POWER = 64;

  private final Map<String, Rational> point;
  private final Deadline deadline;

  ComplexEvaluator(Map<String, Rational> point, Deadline deadline) {
    this.point = point;
    this.deadline = deadline;
  }

  Complex eval(Expr e) {
    deadline.check();
    Complex c = evalUnchecked(e);
    if (!c.finite()) {
      throw new NotEvaluable("not finite", true);
    }
    return c;
  }

  private Complex evalUnchecked(Expr e) {
    if (e instanceof Num n) {
      return new Complex(real(n.value()), 0);
    }
    if (e instanceof Sym s) {
      if (s.name().equals("i")) {
        return I;
      }
      Rational r = point.get(s.name());
      if (r == null) {
        throw new NotEvaluable("unbound " + s.name(), false);
      }
      return new Complex(real(r), 0);
    }
    if (e instanceof Const c) {
      return switch (c.name()) {
        case "pi" -> new Complex(Math.PI, 0);
        case "e" -> new Complex(Math.E, 0);
        default -> throw new NotEvaluable(c.name(), false);
      };
    }
    if (e instanceof Add a) {
      Complex acc = new Complex(0, 0);
      for (Expr t : a.terms()) {
        acc = acc.plus(eval(t));
      }
      return acc;
    }
    if (e instanceof Mul m) {
      Complex acc = ONE;
      for (Expr f : m.factors()) {
        acc = acc.times(eval(f));
      }
      return acc;
    }
    if (e instanceof Pow p) {
      return power(eval(p.base()), eval(p.exponent()));
    }
    if (e instanceof Call c && c.args().size() == 1) {
      Complex z = eval(c.args().get(0));
      return switch (c.name()) {
        case "exp" -> z.exp();
        case "ln" -> z.log();
        case "abs" -> new Complex(z.abs(), 0);
        case "sin" -> sin(z);
        case "cos" -> cos(z);
        default -> throw new NotEvaluable("no complex " + c.name(), false);
      };
    }
    throw new NotEvaluable("not a complex scalar", false);
  }

  private static double real(Rational r) {
    double d = r.toBigDecimal(Evaluator.MC).doubleValue();
    if (!Double.isFinite(d)) {
      throw new NotEvaluable("out of double range", false);
    }
    return d;
  }

  private static Complex power(Complex base, Complex exponent) {
    double n = exponent.re();
    if (exponent.im() == 0 && n == Math.rint(n) && Math.abs(n) <= MAX_INTEGER_POWER) {
      Complex acc = ONE;
      for (int k = 0; k < Math.abs(n); k++) {
        acc = acc.times(base);
      }
      return n < 0 ? acc.reciprocal() : acc;
    }
    if (base.re() == 0 && base.im() == 0) {
      throw new NotEvaluable("zero to a complex power", true);
    }
    return base.log().times(exponent).exp();
  }

  private static Complex sin(Complex z) {
    return new Complex(Math.sin(z.re()) * Math.cosh(z.im()), Math.cos(z.re()) * Math.sinh(z.im()));
  }

  private static Complex cos(Complex z) {
    return new Complex(Math.cos(z.re()) * Math.cosh(z.im()), -Math.sin(z.re()) * Math.sinh(z.im()));
  }
}
