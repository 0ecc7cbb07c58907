package dev.grpo.reward.math;

import dev.grpo.reward.math.Expr.Add;
import dev.grpo.reward.math.Expr.Call;
import java.util.ArrayList;
import java.util.List;

/** Expands {@code a \pm b} into its two readings so "1 \pm \sqrt{5}" compares as a set. */
final class PlusMinus {

  static final String NAME = "pm";
  private static final int MAX_ALTERNATIVES = 16;

  private PlusMinus() {}

  static List<Expr> expand(Expr e) {
    if (!contains(e)) {
      return List.of(e);
    }
    if (e instanceof Call c && c.name().equals(NAME)) {
      List<Expr> out = new ArrayList<>();
      for (Expr a : expand(c.args().get(0))) {
        for (Expr b : expand(c.args().get(1))) {
          out.add(new Add(List.of(a, b)));
          out.add(new Add(List.of(a, LatexParser.negate(b))));
        }
      }
      return limit(out);
    }
    List<List<Expr>> combos = new ArrayList<>();
    combos.add(new ArrayList<>());
    for (Expr child : Subexpressions.of(e)) {
      List<Expr> options = expand(child);
      List<List<Expr>> next = new ArrayList<>();
      for (List<Expr> prefix : combos) {
        for (Expr o : options) {
          List<Expr> extended = new ArrayList<>(prefix);
          extended.add(o);
          next.add(extended);
        }
      }
      combos = next;
      if (combos.size() > MAX_ALTERNATIVES) {
        throw new InputTooLargeException("too many \\pm alternatives");
      }
    }
    List<Expr> out = new ArrayList<>();
    for (List<Expr> kids : combos) {
      out.add(Subexpressions.with(e, kids));
    }
    return limit(out);
  }

  private static List<Expr> limit(List<Expr> out) {
    if (out.size() > MAX_ALTERNATIVES) {
      throw new InputTooLargeException("too many \\pm alternatives");
    }
    return out;
  }

  private static boolean contains(Expr e) {
    if (e instanceof Call c && c.name().equals(NAME)) {
      return true;
    }
    for (Expr k : Subexpressions.of(e)) {
      if (contains(k)) {
        return true;
      }
    }
    return false;
  }
}
