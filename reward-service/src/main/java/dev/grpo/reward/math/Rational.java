package dev.grpo.reward.math;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/** Exact fraction with a positive denominator, always in lowest terms. */
record Rational(BigInteger num, BigInteger den) implements Comparable<Rational> {

  static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
  static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

  static Rational of(long n) {
    return new Rational(BigInteger.valueOf(n), BigInteger.ONE);
  }

  static Rational of(BigInteger n) {
    return new Rational(n, BigInteger.ONE);
  }

  static Rational of(BigInteger n, BigInteger d) {
    if (d.signum() == 0) {
      throw new ArithmeticException("division by zero");
    }
    if (d.signum() < 0) {
      n = n.negate();
      d = d.negate();
    }
    BigInteger g = n.gcd(d);
    if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
      n = n.divide(g);
      d = d.divide(g);
    }
    if (n.signum() == 0) {
      d = BigInteger.ONE;
    }
    return new Rational(n, d);
  }

  static Rational of(BigDecimal d) {
    if (d.scale() <= 0) {
      return of(d.toBigIntegerExact());
    }
    return of(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
  }

  boolean isInteger() {
    return den.equals(BigInteger.ONE);
  }

  int signum() {
    return num.signum();
  }

  long bitLength() {
    return (long) num.bitLength() + den.bitLength();
  }

  Rational add(Rational o) {
    return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
  }

  Rational subtract(Rational o) {
    return add(o.negate());
  }

  Rational multiply(Rational o) {
    return of(num.multiply(o.num), den.multiply(o.den));
  }

  Rational divide(Rational o) {
    return of(num.multiply(o.den), den.multiply(o.num));
  }

  Rational negate() {
    return new Rational(num.negate(), den);
  }

  Rational pow(int e) {
    if (e >= 0) {
      return new Rational(num.pow(e), den.pow(e));
    }
    return of(den.pow(-e), num.pow(-e));
  }

  BigDecimal toBigDecimal(MathContext mc) {
    return new BigDecimal(num).divide(new BigDecimal(den), mc);
  }

  /** Rounds to {@code digits} decimals, half-even like the Python graders the table comes from. */
  BigDecimal round(int digits) {
    return new BigDecimal(num).divide(new BigDecimal(den), digits, RoundingMode.HALF_EVEN);
  }

  @Override
  public int compareTo(Rational o) {
    return num.multiply(o.den).compareTo(o.num.multiply(den));
  }

  @Override
  public String toString() {
    return isInteger() ? num.toString() : num + "/" + den;
  }
}
