package dev.grpo.reward.math;

import dev.grpo.reward.math.Expr.Add;
import dev.grpo.reward.math.Expr.Call;
import dev.grpo.reward.math.Expr.Const;
import dev.grpo.reward.math.Expr.Mul;
import dev.grpo.reward.math.Expr.Num;
import dev.grpo.reward.math.Expr.Pow;
import dev.grpo.reward.math.Expr.Sym;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * Evaluates a scalar expression at one assignment of its free variables.
 *
 * <p>Rational operations stay exact (BigInteger fractions), so 1/2004! and 1/2006! never meet.
 * Anything irrational is carried as a 40-digit BigDecimal together with an absolute error bound;
 * transcendental functions go through double with a matching error term. Equality of two
 * approximate values is then "difference within the combined error bounds", which is relative to
 * the values themselves: nothing is chopped to zero because it is small.
 */
final class Evaluator {

  static final MathContext MC = new MathContext(40, RoundingMode.HALF_EVEN);
  private static final MathContext ERR = new MathContext(6, RoundingMode.UP);
  private static final BigDecimal EPS = new BigDecimal("1e-38");
  private static final BigDecimal DOUBLE_EPS = new BigDecimal("4e-16");
  private static final BigDecimal PI =
      new BigDecimal("3.141592653589793238462643383279502884197169399375");
  private static final BigDecimal E =
      new BigDecimal("2.718281828459045235360287471352662497757247093700");
  private static final double LN10 = Math.log(10);

  /** Largest exact result, in bits, before falling back to approximation or refusing. */
  static final long MAX_EXACT_BITS = 100_000;

  static final int MAX_FACTORIAL = 5_000;
  static final int MAX_ITERATIONS = 10_000;
  private static final int MAX_DECIMAL_EXPONENT = 100_000_000;

  /** A value: exact when {@code exact} is set, else {@code approx} within {@code err}. */
  record Value(Rational exact, BigDecimal approx, BigDecimal err) {
    static Value of(Rational r) {
      return new Value(r, null, BigDecimal.ZERO);
    }

    static Value approx(BigDecimal v, BigDecimal err) {
      return new Value(null, v.round(MC), err.add(v.abs().multiply(EPS), ERR));
    }

    boolean isExact() {
      return exact != null;
    }

    BigDecimal decimal() {
      return exact != null ? exact.toBigDecimal(MC) : approx;
    }

    /** Exact values carry no error; rounding them to 40 digits is charged when a result is made. */
    BigDecimal error() {
      return exact != null ? BigDecimal.ZERO : err;
    }

    int signum() {
      return exact != null ? exact.signum() : approx.signum();
    }

    /** True when the sign is certain despite the error bound. */
    boolean signKnown() {
      return exact != null || approx.abs().compareTo(err) > 0;
    }
  }

  /** The expression has no numeric value at this point (or at all). */
  static final class NotEvaluable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final boolean pointSpecific;

    NotEvaluable(String message, boolean pointSpecific) {
      super(message, null, false, false);
      this.pointSpecific = pointSpecific;
    }
  }

  private final Map<String, Rational> point;
  private final Deadline deadline;

  Evaluator(Map<String, Rational> point, Deadline deadline) {
    this.point = new HashMap<>(point);
    this.deadline = deadline;
  }

  Value eval(Expr e) {
    deadline.check();
    if (e instanceof Num n) {
      return Value.of(n.value());
    }
    if (e instanceof Sym s) {
      Rational r = point.get(s.name());
      if (r == null) {
        throw new NotEvaluable("unbound " + s.name(), false);
      }
      return Value.of(r);
    }
    if (e instanceof Const c) {
      if (c == Const.PI || c.name().equals("pi")) {
        return Value.approx(PI, BigDecimal.ZERO);
      }
      if (c.name().equals("e")) {
        return Value.approx(E, BigDecimal.ZERO);
      }
      throw new NotEvaluable(c.name(), false);
    }
    if (e instanceof Add a) {
      Value acc = Value.of(Rational.ZERO);
      for (Expr t : a.terms()) {
        acc = add(acc, eval(t));
      }
      return acc;
    }
    if (e instanceof Mul m) {
      Value acc = Value.of(Rational.ONE);
      for (Expr f : m.factors()) {
        acc = multiply(acc, eval(f));
      }
      return acc;
    }
    if (e instanceof Pow p) {
      return pow(eval(p.base()), eval(p.exponent()));
    }
    if (e instanceof Call c) {
      return call(c);
    }
    throw new NotEvaluable("not a scalar: " + e.getClass().getSimpleName(), false);
  }

  static Value add(Value a, Value b) {
    if (a.isExact() && b.isExact()) {
      return Value.of(a.exact().add(b.exact()));
    }
    BigDecimal v = a.decimal().add(b.decimal(), MC);
    return Value.approx(v, a.error().add(b.error()));
  }

  static Value multiply(Value a, Value b) {
    if (a.isExact() && b.isExact()) {
      guardBits(a.exact().bitLength() + b.exact().bitLength());
      return Value.of(a.exact().multiply(b.exact()));
    }
    if ((a.isExact() && a.exact().signum() == 0) || (b.isExact() && b.exact().signum() == 0)) {
      return Value.of(Rational.ZERO);
    }
    BigDecimal x = a.decimal();
    BigDecimal y = b.decimal();
    BigDecimal err =
        x.abs()
            .multiply(b.error(), ERR)
            .add(y.abs().multiply(a.error(), ERR))
            .add(a.error().multiply(b.error(), ERR));
    return Value.approx(x.multiply(y, MC), err);
  }

  static Value reciprocal(Value a) {
    if (a.isExact()) {
      if (a.exact().signum() == 0) {
        throw new NotEvaluable("division by zero", true);
      }
      return Value.of(Rational.ONE.divide(a.exact()));
    }
    BigDecimal x = a.approx().abs();
    BigDecimal lower = x.subtract(a.err());
    if (lower.signum() <= 0) {
      throw new NotEvaluable("division by a value indistinguishable from zero", true);
    }
    BigDecimal v = BigDecimal.ONE.divide(a.approx(), MC);
    BigDecimal err = a.err().divide(x.multiply(lower, ERR), ERR);
    return Value.approx(v, err);
  }

  private static void guardBits(long bits) {
    if (bits > MAX_EXACT_BITS) {
      throw new InputTooLargeException("exact value larger than " + MAX_EXACT_BITS + " bits");
    }
  }

  private Value pow(Value base, Value exponent) {
    if (exponent.isExact() && exponent.exact().isInteger()) {
      BigInteger n = exponent.exact().num();
      if (base.isExact()) {
        Rational b = base.exact();
        if (b.signum() == 0) {
          if (n.signum() < 0) {
            throw new NotEvaluable("0 to a negative power", true);
          }
          return Value.of(n.signum() == 0 ? Rational.ONE : Rational.ZERO);
        }
        if (b.num().abs().equals(BigInteger.ONE) && b.den().equals(BigInteger.ONE)) {
          return Value.of(b.signum() > 0 || !n.testBit(0) ? Rational.ONE : Rational.of(-1));
        }
        if (n.bitLength() < 31
            && (long) Math.abs(n.intValue()) * Math.max(1, b.bitLength()) <= MAX_EXACT_BITS) {
          return Value.of(b.pow(n.intValue()));
        }
      }
      if (n.bitLength() < 31 && Math.abs(n.intValue()) <= 4096) {
        Value acc = Value.of(Rational.ONE);
        Value sq = base;
        int k = Math.abs(n.intValue());
        while (k > 0) {
          deadline.check();
          if ((k & 1) == 1) {
            acc = multiply(acc, sq);
          }
          k >>= 1;
          if (k > 0) {
            sq = multiply(sq, sq);
          }
        }
        return n.signum() < 0 ? reciprocal(acc) : acc;
      }
    }
    if (exponent.isExact() && base.isExact()) {
      Rational root = exactRoot(base.exact(), exponent.exact());
      if (root != null) {
        return Value.of(root);
      }
    }
    return realPower(base, exponent);
  }

  /** b^(p/q) when it is rational, e.g. 8^(2/3) = 4; null otherwise. */
  private Rational exactRoot(Rational b, Rational e) {
    BigInteger q = e.den();
    if (q.bitLength() > 6 || b.signum() < 0 && !q.testBit(0)) {
      return null;
    }
    int qi = q.intValue();
    BigInteger rn = integerRoot(b.num().abs(), qi);
    BigInteger rd = integerRoot(b.den(), qi);
    if (rn == null || rd == null) {
      return null;
    }
    Rational r = Rational.of(b.signum() < 0 ? rn.negate() : rn, rd);
    BigInteger p = e.num();
    if (p.bitLength() > 20
        || (long) Math.abs(p.intValue()) * Math.max(1, r.bitLength()) > MAX_EXACT_BITS) {
      return null;
    }
    return r.pow(p.intValue());
  }

  private static BigInteger integerRoot(BigInteger x, int q) {
    if (x.signum() == 0 || x.equals(BigInteger.ONE)) {
      return x;
    }
    BigInteger r;
    if (q == 2) {
      r = x.sqrt();
    } else {
      double approx = Math.exp(logOf(new BigDecimal(x)) / q);
      if (Double.isInfinite(approx) || approx > 1e15) {
        return null;
      }
      r = BigInteger.valueOf(Math.round(approx));
    }
    for (int d = -1; d <= 1; d++) {
      BigInteger c = r.add(BigInteger.valueOf(d));
      if (c.signum() > 0 && c.pow(q).equals(x)) {
        return c;
      }
    }
    return null;
  }

  /** Natural log of a positive BigDecimal of any magnitude, in double. */
  static double logOf(BigDecimal x) {
    int exp10 = x.precision() - x.scale() - 1;
    double mantissa = x.movePointLeft(exp10).doubleValue();
    return Math.log(mantissa) + exp10 * LN10;
  }

  /** e^l for any l whose result fits BigDecimal's exponent range. */
  static BigDecimal expOf(double l) {
    double t = l / LN10;
    if (Double.isNaN(t) || Math.abs(t) > MAX_DECIMAL_EXPONENT) {
      throw new InputTooLargeException("power out of range");
    }
    double k = Math.floor(t);
    double m = Math.pow(10, t - k);
    return new BigDecimal(m).scaleByPowerOfTen((int) k);
  }

  private Value realPower(Value base, Value exponent) {
    BigDecimal b = base.decimal();
    BigDecimal y = exponent.decimal();
    if (b.signum() < 0 || !base.signKnown()) {
      if (exponent.isExact() && exponent.exact().den().testBit(0) && b.signum() < 0) {
        // Odd root of a negative number stays real: (-8)^(1/3) = -2.
        Value positive = realPower(negate(base), exponent);
        return exponent.exact().num().testBit(0) ? negate(positive) : positive;
      }
      throw new NotEvaluable("non-real power", true);
    }
    if (b.signum() == 0) {
      if (y.signum() > 0) {
        return Value.of(Rational.ZERO);
      }
      throw new NotEvaluable("0 to a non-positive power", true);
    }
    if (exponent.isExact()
        && exponent.exact().equals(Rational.of(BigInteger.ONE, BigInteger.TWO))) {
      BigDecimal v = b.sqrt(MC);
      BigDecimal err = base.error().divide(v, ERR);
      return Value.approx(v, err);
    }
    double lnB = logOf(b);
    double l = y.doubleValue() * lnB;
    BigDecimal v = expOf(l);
    double relErr =
        Math.abs(lnB) * exponent.error().doubleValue()
            + Math.abs(y.doubleValue()) * base.error().divide(b, ERR).doubleValue()
            + 4e-16 * (Math.abs(l) + 1);
    return Value.approx(v, v.multiply(BigDecimal.valueOf(relErr), ERR));
  }

  static Value negate(Value a) {
    return a.isExact()
        ? Value.of(a.exact().negate())
        : new Value(null, a.approx().negate(), a.err());
  }

  private Value call(Call c) {
    String name = c.name();
    if (name.startsWith("fn:")) {
      return opaque(c);
    }
    switch (name) {
      case "factorial":
        return factorial(eval(c.args().get(0)));
      case "binom":
        return binomial(eval(c.args().get(0)), eval(c.args().get(1)));
      case "abs":
        {
          Value v = eval(c.args().get(0));
          return v.signum() < 0 ? negate(v) : v;
        }
      case "floor":
      case "ceil":
        return rounding(eval(c.args().get(0)), name.equals("floor"));
      case "max":
      case "min":
        return extreme(c, name.equals("max"));
      case "gcd":
      case "lcm":
        return divisibility(c, name.equals("gcd"));
      case "sum":
      case "prod":
        return bigOperator(c);
      default:
        return transcendental(name, eval(c.args().get(0)));
    }
  }

  /**
   * f(2) for an unknown f: a fixed pseudo-random value of the name and argument, so that the same
   * application on both sides agrees and different ones almost surely differ.
   */
  private Value opaque(Call c) {
    StringBuilder key = new StringBuilder(c.name());
    for (Expr a : c.args()) {
      Value v = eval(a);
      key.append('|')
          .append(
              v.isExact()
                  ? v.exact().toString()
                  : v.approx().round(new MathContext(12)).toString());
    }
    long h = key.toString().hashCode() * 0x9E3779B97F4A7C15L;
    long numerator = 1000 + Math.floorMod(h >>> 8, 9000);
    return Value.of(Rational.of(BigInteger.valueOf(numerator), BigInteger.valueOf(1777)));
  }

  private Value factorial(Value v) {
    if (!v.isExact() || !v.exact().isInteger() || v.exact().signum() < 0) {
      throw new NotEvaluable("factorial of a non-natural number", true);
    }
    if (v.exact().num().compareTo(BigInteger.valueOf(MAX_FACTORIAL)) > 0) {
      throw new InputTooLargeException("factorial argument above " + MAX_FACTORIAL);
    }
    int n = v.exact().num().intValue();
    BigInteger acc = BigInteger.ONE;
    for (int i = 2; i <= n; i++) {
      if ((i & 63) == 0) {
        deadline.check();
      }
      acc = acc.multiply(BigInteger.valueOf(i));
    }
    return Value.of(Rational.of(acc));
  }

  private Value binomial(Value n, Value k) {
    if (!k.isExact() || !k.exact().isInteger()) {
      throw new NotEvaluable("binomial with non-integer k", false);
    }
    BigInteger kk = k.exact().num();
    if (kk.signum() < 0) {
      return Value.of(Rational.ZERO);
    }
    if (kk.compareTo(BigInteger.valueOf(MAX_FACTORIAL)) > 0) {
      throw new InputTooLargeException("binomial k above " + MAX_FACTORIAL);
    }
    if (n.isExact() && n.exact().isInteger() && n.exact().signum() >= 0) {
      BigInteger nn = n.exact().num();
      if (kk.compareTo(nn) > 0) {
        return Value.of(Rational.ZERO);
      }
      kk = kk.min(nn.subtract(kk));
      if (kk.compareTo(BigInteger.valueOf(MAX_FACTORIAL)) > 0) {
        throw new InputTooLargeException("binomial too large");
      }
    }
    int ki = kk.intValue();
    Value acc = Value.of(Rational.ONE);
    for (int j = 0; j < ki; j++) {
      deadline.check();
      acc = multiply(acc, add(n, Value.of(Rational.of(-j))));
      acc = multiply(acc, Value.of(Rational.of(BigInteger.ONE, BigInteger.valueOf(j + 1))));
    }
    return acc;
  }

  private Value extreme(Call c, boolean max) {
    Value best = null;
    for (Expr a : c.args()) {
      Value v = eval(a);
      if (best == null) {
        best = v;
        continue;
      }
      Value diff = add(v, negate(best));
      if (!diff.signKnown()) {
        throw new NotEvaluable("arguments too close to order", true);
      }
      if (max ? diff.signum() > 0 : diff.signum() < 0) {
        best = v;
      }
    }
    if (best == null) {
      throw new NotEvaluable("empty " + c.name(), false);
    }
    return best;
  }

  private Value divisibility(Call c, boolean gcd) {
    BigInteger acc = null;
    for (Expr a : c.args()) {
      Value v = eval(a);
      if (!v.isExact() || !v.exact().isInteger()) {
        throw new NotEvaluable(c.name() + " of a non-integer", true);
      }
      BigInteger n = v.exact().num().abs();
      if (acc == null) {
        acc = n;
      } else if (gcd) {
        acc = acc.gcd(n);
      } else {
        BigInteger g = acc.gcd(n);
        guardBits((long) acc.bitLength() + n.bitLength());
        acc = g.signum() == 0 ? BigInteger.ZERO : acc.divide(g).multiply(n);
      }
    }
    if (acc == null) {
      throw new NotEvaluable("empty " + c.name(), false);
    }
    return Value.of(Rational.of(acc));
  }

  private Value rounding(Value v, boolean floor) {
    if (v.isExact()) {
      BigInteger[] qr = v.exact().num().divideAndRemainder(v.exact().den());
      BigInteger q = qr[0];
      if (qr[1].signum() != 0) {
        if (floor && v.exact().signum() < 0) {
          q = q.subtract(BigInteger.ONE);
        } else if (!floor && v.exact().signum() > 0) {
          q = q.add(BigInteger.ONE);
        }
      }
      return Value.of(Rational.of(q));
    }
    BigDecimal lo = v.approx().subtract(v.err());
    BigDecimal hi = v.approx().add(v.err());
    RoundingMode mode = floor ? RoundingMode.FLOOR : RoundingMode.CEILING;
    BigDecimal a = lo.setScale(0, mode);
    if (a.compareTo(hi.setScale(0, mode)) != 0) {
      throw new NotEvaluable("too close to an integer to round", true);
    }
    return Value.of(Rational.of(a.toBigIntegerExact()));
  }

  private Value bigOperator(Call c) {
    String var = ((Sym) c.args().get(0)).name();
    Value lo = eval(c.args().get(1));
    Value hi = eval(c.args().get(2));
    if (!lo.isExact() || !hi.isExact() || !lo.exact().isInteger() || !hi.exact().isInteger()) {
      throw new NotEvaluable("symbolic bounds", false);
    }
    BigInteger from = lo.exact().num();
    BigInteger to = hi.exact().num();
    if (to.subtract(from).compareTo(BigInteger.valueOf(MAX_ITERATIONS)) > 0) {
      throw new InputTooLargeException("more than " + MAX_ITERATIONS + " terms");
    }
    boolean product = c.name().equals("prod");
    Value acc = Value.of(product ? Rational.ONE : Rational.ZERO);
    Rational saved = point.get(var);
    try {
      for (BigInteger k = from; k.compareTo(to) <= 0; k = k.add(BigInteger.ONE)) {
        point.put(var, Rational.of(k));
        Value term = eval(c.args().get(3));
        acc = product ? multiply(acc, term) : add(acc, term);
      }
    } finally {
      if (saved == null) {
        point.remove(var);
      } else {
        point.put(var, saved);
      }
    }
    return acc;
  }

  private Value transcendental(String name, Value arg) {
    if (name.equals("exp")) {
      return realPower(Value.approx(E, BigDecimal.ZERO), arg);
    }
    if (name.equals("ln")) {
      return naturalLog(arg);
    }
    if (arg.isExact() && arg.exact().signum() == 0 && ODD_AT_ZERO.contains(name)) {
      return Value.of(Rational.ZERO);
    }
    double x = arg.decimal().doubleValue();
    double ex = arg.error().doubleValue();
    if (Double.isInfinite(x) || Math.abs(x) > 1e6) {
      throw new NotEvaluable("argument out of range for " + name, true);
    }
    Slope f = inDoubles(name, x);
    double v = f.value();
    if (Double.isNaN(v) || Double.isInfinite(v) || Math.abs(v) > 1e12) {
      throw new NotEvaluable(name + " undefined here", true);
    }
    double err = f.derivative() * (ex + 2.3e-16 * (Math.abs(x) + 1)) + 4e-16 * Math.abs(v);
    return Value.approx(new BigDecimal(v), new BigDecimal(err));
  }

  /** Functions that are exactly 0 at 0. */
  private static final java.util.Set<String> ODD_AT_ZERO =
      java.util.Set.of("sin", "tan", "arcsin", "arctan", "sinh", "tanh");

  private static Value naturalLog(Value arg) {
    if (arg.isExact() && arg.exact().equals(Rational.ONE)) {
      return Value.of(Rational.ZERO);
    }
    BigDecimal x = arg.decimal();
    if (x.signum() <= 0 || !arg.signKnown()) {
      throw new NotEvaluable("log of a non-positive number", true);
    }
    double v = logOf(x);
    double err = arg.error().divide(x.abs(), ERR).doubleValue() + 4e-16 * (Math.abs(v) + 1);
    return Value.approx(new BigDecimal(v), new BigDecimal(err));
  }

  /** A function's value at a point and the size of its derivative there (for error bounds). */
  private record Slope(double value, double derivative) {}

  private static Slope inDoubles(String name, double x) {
    return switch (name) {
      case "sin" -> new Slope(Math.sin(x), 1);
      case "cos" -> new Slope(Math.cos(x), 1);
      case "tan" -> {
        double v = Math.tan(x);
        yield new Slope(v, 1 + v * v);
      }
      case "cot" -> {
        double v = 1 / Math.tan(x);
        yield new Slope(v, 1 + v * v);
      }
      case "sec" -> {
        double v = 1 / Math.cos(x);
        yield new Slope(v, Math.abs(v * Math.tan(x)));
      }
      case "csc" -> {
        double v = 1 / Math.sin(x);
        yield new Slope(v, Math.abs(v / Math.tan(x)));
      }
      case "arcsin", "arccos" -> {
        if (Math.abs(x) >= 1) {
          throw new NotEvaluable("outside [-1, 1]", true);
        }
        double v = name.equals("arcsin") ? Math.asin(x) : Math.acos(x);
        yield new Slope(v, 1 / Math.sqrt(1 - x * x));
      }
      case "arctan" -> new Slope(Math.atan(x), 1);
      case "sinh" -> new Slope(Math.sinh(x), Math.cosh(x));
      case "cosh" -> new Slope(Math.cosh(x), Math.abs(Math.sinh(x)));
      case "tanh" -> new Slope(Math.tanh(x), 1);
      default -> throw new NotEvaluable("unknown function " + name, false);
    };
  }
}
