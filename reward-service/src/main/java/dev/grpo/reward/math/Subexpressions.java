package dev.grpo.reward.math;

import dev.grpo.reward.math.Expr.Add;
import dev.grpo.reward.math.Expr.Call;
import dev.grpo.reward.math.Expr.Interval;
import dev.grpo.reward.math.Expr.Matrix;
import dev.grpo.reward.math.Expr.Member;
import dev.grpo.reward.math.Expr.Mul;
import dev.grpo.reward.math.Expr.Pow;
import dev.grpo.reward.math.Expr.Relation;
import dev.grpo.reward.math.Expr.SetOf;
import dev.grpo.reward.math.Expr.Tuple;
import dev.grpo.reward.math.Expr.Union;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Uniform access to the children of any node, so tree rewrites need one switch, not ten. */
final class Subexpressions {

  private Subexpressions() {}

  static List<Expr> of(Expr e) {
    if (e instanceof Add a) {
      return a.terms();
    }
    if (e instanceof Mul m) {
      return m.factors();
    }
    if (e instanceof Pow p) {
      return List.of(p.base(), p.exponent());
    }
    if (e instanceof Call c) {
      return c.args();
    }
    if (e instanceof Relation r) {
      return r.operands();
    }
    if (e instanceof Member m) {
      return List.of(m.element(), m.set());
    }
    if (e instanceof SetOf s) {
      return s.items();
    }
    if (e instanceof Tuple t) {
      return t.items();
    }
    if (e instanceof Interval i) {
      return List.of(i.low(), i.high());
    }
    if (e instanceof Union u) {
      return u.parts();
    }
    if (e instanceof Matrix m) {
      List<Expr> all = new ArrayList<>();
      m.rows().forEach(all::addAll);
      return all;
    }
    return List.of();
  }

  static Expr with(Expr e, List<Expr> c) {
    if (e instanceof Add) {
      return new Add(c);
    }
    if (e instanceof Mul) {
      return new Mul(c);
    }
    if (e instanceof Pow) {
      return new Pow(c.get(0), c.get(1));
    }
    if (e instanceof Call call) {
      return new Call(call.name(), c);
    }
    if (e instanceof Relation r) {
      return new Relation(c, r.ops());
    }
    if (e instanceof Member) {
      return new Member(c.get(0), c.get(1));
    }
    if (e instanceof SetOf) {
      return new SetOf(c);
    }
    if (e instanceof Tuple) {
      return new Tuple(c);
    }
    if (e instanceof Interval i) {
      return new Interval(c.get(0), c.get(1), i.lowClosed(), i.highClosed());
    }
    if (e instanceof Union) {
      return new Union(c);
    }
    if (e instanceof Matrix m) {
      List<List<Expr>> rows = new ArrayList<>();
      int k = 0;
      for (List<Expr> row : m.rows()) {
        rows.add(new ArrayList<>(c.subList(k, k + row.size())));
        k += row.size();
      }
      return new Matrix(rows);
    }
    return e;
  }

  /** Bottom-up rewrite. */
  static Expr rewrite(Expr e, UnaryOperator<Expr> f) {
    List<Expr> kids = of(e);
    if (!kids.isEmpty()) {
      List<Expr> mapped = new ArrayList<>(kids.size());
      for (Expr k : kids) {
        mapped.add(rewrite(k, f));
      }
      e = with(e, mapped);
    }
    return f.apply(e);
  }
}
