package dev.grpo.reward.math;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Parsed answer. Nodes keep the written order of operands; {@link #render()} gives a readable
 * canonical form used in results and as a last-resort structural key.
 */
sealed interface Expr {

  String render();

  /** A number as written. {@code decimal} marks written decimals, which are compared rounded. */
  record Num(Rational value, boolean decimal) implements Expr {
    @Override
    public String render() {
      return decimal
          ? value.toBigDecimal(java.math.MathContext.DECIMAL64).toString()
          : value.toString();
    }
  }

  /** A free variable such as {@code x}, {@code x_1} or {@code F_{n-k}}. */
  record Sym(String name) implements Expr {
    @Override
    public String render() {
      return name;
    }
  }

  /** π, Euler's e, the imaginary unit or infinity. */
  record Const(String name) implements Expr {
    static final Const PI = new Const("pi");
    static final Const E = new Const("e");
    static final Const I = new Const("i");
    static final Const INF = new Const("oo");

    @Override
    public String render() {
      return name;
    }
  }

  record Add(List<Expr> terms) implements Expr {
    @Override
    public String render() {
      StringBuilder sb = new StringBuilder("(");
      for (int i = 0; i < terms.size(); i++) {
        String t = terms.get(i).render();
        if (i > 0) {
          sb.append(t.startsWith("-") ? " - " : " + ");
          t = t.startsWith("-") ? t.substring(1) : t;
        }
        sb.append(t);
      }
      return sb.append(')').toString();
    }
  }

  record Mul(List<Expr> factors) implements Expr {
    @Override
    public String render() {
      StringBuilder sb = new StringBuilder();
      for (Expr f : factors) {
        if (f instanceof Num n && n.value().equals(Rational.of(-1)) && sb.length() == 0) {
          sb.append('-');
        } else if (f instanceof Pow p
            && p.exponent() instanceof Num n
            && n.value().equals(Rational.of(-1))) {
          sb.append(sb.length() == 0 || sb.toString().equals("-") ? "1" : "").append('/');
          String d = p.base().render();
          sb.append(p.base() instanceof Mul || p.base() instanceof Pow ? "(" + d + ")" : d);
        } else {
          if (sb.length() > 0 && !sb.toString().equals("-")) {
            sb.append('*');
          }
          sb.append(f.render());
        }
      }
      return sb.toString();
    }
  }

  record Pow(Expr base, Expr exponent) implements Expr {
    @Override
    public String render() {
      String b = base.render();
      boolean atomic =
          base instanceof Sym
              || base instanceof Const
              || base instanceof Call
              || base instanceof Add;
      if (!atomic && !(base instanceof Num n && n.value().signum() >= 0 && !b.contains("/"))) {
        b = "(" + b + ")";
      }
      return b + "^(" + exponent.render() + ")";
    }
  }

  /**
   * A function application: sin, log, sqrt-free roots, factorial, binomial, abs, or opaque f(x).
   */
  record Call(String name, List<Expr> args) implements Expr {
    @Override
    public String render() {
      return name + "(" + args.stream().map(Expr::render).collect(Collectors.joining(", ")) + ")";
    }
  }

  /** A chain such as {@code a < b <= c}; ops are "=", "<", "<=", ">", ">=", "!=". */
  record Relation(List<Expr> operands, List<String> ops) implements Expr {
    @Override
    public String render() {
      StringBuilder sb = new StringBuilder(operands.get(0).render());
      for (int i = 0; i < ops.size(); i++) {
        sb.append(' ').append(ops.get(i)).append(' ').append(operands.get(i + 1).render());
      }
      return sb.toString();
    }
  }

  /** {@code x \in S}: only the set carries the answer. */
  record Member(Expr element, Expr set) implements Expr {
    @Override
    public String render() {
      return element.render() + " in " + set.render();
    }
  }

  /** Unordered collection: braces, or several answers separated by commas, "and", "or". */
  record SetOf(List<Expr> items) implements Expr {
    @Override
    public String render() {
      return "{" + items.stream().map(Expr::render).collect(Collectors.joining(", ")) + "}";
    }
  }

  record Tuple(List<Expr> items) implements Expr {
    @Override
    public String render() {
      return "(" + items.stream().map(Expr::render).collect(Collectors.joining(", ")) + ")";
    }
  }

  record Interval(Expr low, Expr high, boolean lowClosed, boolean highClosed) implements Expr {
    @Override
    public String render() {
      return (lowClosed ? "[" : "(")
          + low.render()
          + ", "
          + high.render()
          + (highClosed ? "]" : ")");
    }
  }

  record Union(List<Expr> parts) implements Expr {
    @Override
    public String render() {
      return parts.stream().map(Expr::render).collect(Collectors.joining(" U "));
    }
  }

  record Matrix(List<List<Expr>> rows) implements Expr {
    @Override
    public String render() {
      return rows.stream()
          .map(r -> r.stream().map(Expr::render).collect(Collectors.joining(", ", "[", "]")))
          .collect(Collectors.joining(", ", "Matrix[", "]"));
    }
  }

  /** Words that are the answer themselves ({@code \text{Evelyn}}, a multiple-choice letter). */
  record Text(String value) implements Expr {
    @Override
    public String render() {
      return "\"" + value + "\"";
    }
  }
}
