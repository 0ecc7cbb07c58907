package dev.grpo.reward.math;

import dev.grpo.reward.math.Expr.Add;
import dev.grpo.reward.math.Expr.Matrix;
import dev.grpo.reward.math.Expr.Mul;
import dev.grpo.reward.math.Expr.Num;
import dev.grpo.reward.math.Expr.Pow;
import java.util.ArrayList;
import java.util.List;

/**
 * Sums, products and small powers of written matrices ("A + B", "I \cdot I") reduced to one matrix
 * of scalar expressions, so they compare element-wise with a gold matrix.
 */
final class MatrixArithmetic {

  private static final int MAX_CELLS = 400;
  private static final int MAX_POWER = 8;

  private MatrixArithmetic() {}

  /** The reduced matrix, or the expression unchanged when it is not matrix arithmetic. */
  static Expr reduce(Expr e, Deadline deadline) {
    deadline.check();
    if (e instanceof Add a) {
      List<Expr> terms = new ArrayList<>();
      for (Expr t : a.terms()) {
        terms.add(reduce(t, deadline));
      }
      if (terms.stream().noneMatch(t -> t instanceof Matrix)) {
        return e;
      }
      if (!terms.stream().allMatch(t -> t instanceof Matrix)) {
        return e;
      }
      Matrix acc = (Matrix) terms.get(0);
      for (int i = 1; i < terms.size(); i++) {
        acc = add(acc, (Matrix) terms.get(i));
        if (acc == null) {
          return e;
        }
      }
      return acc;
    }
    if (e instanceof Mul m) {
      Expr acc = reduce(m.factors().get(0), deadline);
      for (int i = 1; i < m.factors().size(); i++) {
        acc = multiply(acc, reduce(m.factors().get(i), deadline));
        if (acc == null) {
          return e;
        }
      }
      return acc;
    }
    if (e instanceof Pow p
        && p.exponent() instanceof Num n
        && n.value().isInteger()
        && n.value().signum() > 0
        && n.value().num().intValue() <= MAX_POWER) {
      Expr base = reduce(p.base(), deadline);
      if (base instanceof Matrix) {
        Expr acc = base;
        for (int i = 1; i < n.value().num().intValue(); i++) {
          acc = multiply(acc, base);
          if (acc == null) {
            return e;
          }
        }
        return acc;
      }
    }
    return e;
  }

  private static Matrix add(Matrix a, Matrix b) {
    if (a.rows().size() != b.rows().size() || a.rows().get(0).size() != b.rows().get(0).size()) {
      return null;
    }
    List<List<Expr>> rows = new ArrayList<>();
    for (int i = 0; i < a.rows().size(); i++) {
      List<Expr> row = new ArrayList<>();
      for (int j = 0; j < a.rows().get(i).size(); j++) {
        row.add(new Add(List.of(a.rows().get(i).get(j), b.rows().get(i).get(j))));
      }
      rows.add(row);
    }
    return new Matrix(rows);
  }

  private static Expr multiply(Expr a, Expr b) {
    if (a instanceof Matrix x && b instanceof Matrix y) {
      int n = x.rows().size();
      int k = x.rows().get(0).size();
      int m = y.rows().get(0).size();
      if (y.rows().size() != k || (long) n * m * k > MAX_CELLS * 8L) {
        return null;
      }
      List<List<Expr>> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<Expr> row = new ArrayList<>();
        for (int j = 0; j < m; j++) {
          List<Expr> terms = new ArrayList<>();
          for (int t = 0; t < k; t++) {
            terms.add(new Mul(List.of(x.rows().get(i).get(t), y.rows().get(t).get(j))));
          }
          row.add(new Add(terms));
        }
        rows.add(row);
      }
      return new Matrix(rows);
    }
    if (a instanceof Matrix x) {
      return scale(x, b, false);
    }
    if (b instanceof Matrix y) {
      return scale(y, a, true);
    }
    return new Mul(List.of(a, b));
  }

  private static Matrix scale(Matrix x, Expr factor, boolean factorFirst) {
    if (x.rows().size() * x.rows().get(0).size() > MAX_CELLS) {
      return null;
    }
    List<List<Expr>> rows = new ArrayList<>();
    for (List<Expr> r : x.rows()) {
      List<Expr> row = new ArrayList<>();
      for (Expr cell : r) {
        row.add(new Mul(factorFirst ? List.of(factor, cell) : List.of(cell, factor)));
      }
      rows.add(row);
    }
    return new Matrix(rows);
  }
}
