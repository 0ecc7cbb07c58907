package dev.grpo.reward.math;

import dev.grpo.reward.math.Evaluator.NotEvaluable;
import dev.grpo.reward.math.Evaluator.Value;
import dev.grpo.reward.math.Expr.Add;
import dev.grpo.reward.math.Expr.Call;
import dev.grpo.reward.math.Expr.Const;
import dev.grpo.reward.math.Expr.Interval;
import dev.grpo.reward.math.Expr.Matrix;
import dev.grpo.reward.math.Expr.Member;
import dev.grpo.reward.math.Expr.Mul;
import dev.grpo.reward.math.Expr.Num;
import dev.grpo.reward.math.Expr.Pow;
import dev.grpo.reward.math.Expr.Relation;
import dev.grpo.reward.math.Expr.SetOf;
import dev.grpo.reward.math.Expr.Sym;
import dev.grpo.reward.math.Expr.Text;
import dev.grpo.reward.math.Expr.Tuple;
import dev.grpo.reward.math.Expr.Union;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Decides whether a prediction means the same as the gold answer. Asymmetric on purpose: the gold
 * decides the shape of the comparison (an equation gold needs an equation; an interval gold is not
 * matched by an echoed inequality unless allowed).
 */
final class Equivalence {

  /** Agreeing random points needed before two symbolic expressions count as identical. */
  private static final int POINTS = 3;

  private static final int MAX_ATTEMPTS = 12;
  private static final int MAX_SET_SIZE = 200;

  private final VerifierOptions options;
  private final Deadline deadline;

  Equivalence(VerifierOptions options, Deadline deadline) {
    this.options = options;
    this.deadline = deadline;
  }

  boolean equivalent(Expr gold, Expr prediction) {
    Expr g = prepare(gold);
    Expr p = prepare(prediction);
    if (!options.strict()) {
      p = renameVariables(p, g);
    }
    // Written the same way is the same answer, even when it is too big to evaluate ("6000!").
    if (canonical(g).equals(canonical(p)) || compare(g, p)) {
      return true;
    }
    // A percentage gold ("28\\%") also accepts the bare number of percent ("28"), as graders and
    // Math-Verify's percent tests do; 0.28 already matched above. The converse stays wrong: a
    // bare gold "50" is not "50\\%" (= 0.5) written inside the answer.
    Expr goldPercent = percentOf(g);
    return goldPercent != null && compare(goldPercent, p);
  }

  /** x for "x\\%" (parsed as x·1/100), else null. */
  private static Expr percentOf(Expr e) {
    return e instanceof Mul m
            && m.factors().size() == 2
            && m.factors().get(1) instanceof Num n
            && n.value().equals(PERCENT)
        ? m.factors().get(0)
        : null;
  }

  private static final Rational PERCENT = Rational.of(BigInteger.ONE, BigInteger.valueOf(100));

  /** Answers inside lists are read as values: "x = 1, 2" is {1, 2}; "x \in S" is S. */
  static Expr prepare(Expr e) {
    if (e instanceof Member m) {
      return prepare(m.set());
    }
    if (e instanceof SetOf s) {
      List<Expr> items = new ArrayList<>();
      for (Expr item : s.items()) {
        Expr it = prepare(item);
        if (it instanceof Relation r && isAssignment(r)) {
          it = r.operands().get(r.operands().size() - 1);
        }
        items.add(it);
      }
      return items.size() == 1 ? items.get(0) : new SetOf(items);
    }
    return e;
  }

  private boolean compare(Expr g, Expr p) {
    deadline.check();
    if (g instanceof Member m) {
      g = prepare(m.set());
    }
    if (p instanceof Member m) {
      p = prepare(m.set());
    }
    if (g instanceof Relation || p instanceof Relation) {
      return compareRelation(g, p);
    }
    return compareValues(g, p);
  }

  /** Whether comparing {@code e} with itself stays within the input guards. */
  boolean withinGuards(Expr e) {
    try {
      compare(e, e);
      return true;
    } catch (InputTooLargeException | ArithmeticException | StackOverflowError ex) {
      return false;
    } catch (Deadline.Exceeded ex) {
      return true;
    }
  }

  /** At least one side is a relation. */
  private boolean compareRelation(Expr g, Expr p) {
    if (g instanceof Relation gr && p instanceof Relation pr) {
      return relations(collapse(gr), collapse(pr));
    }
    if (p instanceof Relation pr) {
      if (isSetLike(g)) {
        Expr asSet = options.allowSetRelationComparison() ? relationToSet(pr) : null;
        if (asSet != null) {
          return compare(g, asSet);
        }
      }
      return pr.ops().stream().allMatch("="::equals) && labelledValue(g, pr);
    }
    Relation gr = (Relation) g;
    Expr asSet = isSetLike(p) ? relationToSet(gr) : null;
    if (asSet != null) {
      return compare(asSet, p);
    }
    if (isAssignment(gr)) {
      return compare(gr.operands().get(gr.operands().size() - 1), p);
    }
    return false;
  }

  /**
   * An equation chain read as a value ("x = 2+1 = 3", "|AB| = 1"): every side that states a value
   * must equal the gold, so a false equation ("4 = 3") never pays for its true side. Names, and
   * sides with symbols when the gold is a constant, are labels.
   */
  private boolean labelledValue(Expr g, Relation pr) {
    boolean goldConstant = isConstant(g);
    int values = 0;
    for (Expr side : pr.operands()) {
      boolean label = isName(side) || (goldConstant && !isConstant(side));
      if (label) {
        continue;
      }
      values++;
      if (!compare(g, side)) {
        return false;
      }
    }
    return values > 0;
  }

  private boolean compareValues(Expr g, Expr p) {
    if (!(g instanceof Matrix) && containsMatrix(g)) {
      g = MatrixArithmetic.reduce(g, deadline);
    }
    if (!(p instanceof Matrix) && containsMatrix(p)) {
      p = MatrixArithmetic.reduce(p, deadline);
    }
    if (g instanceof Matrix || p instanceof Matrix) {
      return g instanceof Matrix a && p instanceof Matrix b && matrices(a, b);
    }
    if (g instanceof Union || p instanceof Union) {
      List<Expr> gp = asUnionParts(g);
      List<Expr> pp = asUnionParts(p);
      if (gp.size() == 1 && pp.size() == 1 && (gp.get(0) != g || pp.get(0) != p)) {
        return compare(gp.get(0), pp.get(0));
      }
      return unordered(gp, pp);
    }
    if (g instanceof Interval gi) {
      Interval pi = asInterval(p);
      return pi != null && intervals(gi, pi);
    }
    if (g instanceof Tuple gt) {
      if (p instanceof Tuple pt) {
        return ordered(gt.items(), pt.items());
      }
      if (p instanceof SetOf ps) {
        return ordered(gt.items(), ps.items());
      }
      if (p instanceof Interval pi && gt.items().size() == 2) {
        return intervals(asInterval(g), pi);
      }
      return false;
    }
    if (g instanceof SetOf gs) {
      if (p instanceof SetOf ps) {
        return unordered(gs.items(), ps.items());
      }
      if (p instanceof Tuple pt) {
        return unordered(gs.items(), pt.items());
      }
      return false;
    }
    if (p instanceof SetOf ps) {
      // one value boxed twice in two forms ("\\boxed{15\\frac{39}{40}} = \\boxed{\\frac{639}{40}}")
      for (Expr item : ps.items()) {
        if (!compare(g, item)) {
          return false;
        }
      }
      return true;
    }
    if (p instanceof Tuple || p instanceof Interval) {
      return false;
    }
    if (g instanceof Text || p instanceof Text) {
      return texts(g, p);
    }
    return scalars(g, p);
  }

  // ---- relations ----

  /** "x = 5+5+1 = 11" means x = 11: keep the first left side and the last right side. */
  private static Relation collapse(Relation r) {
    if (r.operands().size() > 2 && isAssignment(r)) {
      return new Relation(
          List.of(r.operands().get(0), r.operands().get(r.operands().size() - 1)), List.of("="));
    }
    return r;
  }

  /**
   * An equation whose left side only names things (x, f(x), x_1, (p, q), NO/BO). A left side with a
   * number or a sum ("x + z = 1", "7 = 11a + c") is a genuine equation and stays one.
   */
  static boolean isAssignment(Relation r) {
    return r.ops().stream().allMatch("="::equals) && isName(r.operands().get(0));
  }

  private static boolean isName(Expr e) {
    if (e instanceof Sym) {
      return true;
    }
    if (e instanceof Call c) {
      return c.name().startsWith("fn:");
    }
    if (e instanceof Tuple t) {
      return t.items().stream().allMatch(Equivalence::isName);
    }
    if (e instanceof Mul m) {
      return m.factors().stream().allMatch(Equivalence::isName);
    }
    if (e instanceof Pow p) {
      return isName(p.base()) && p.exponent() instanceof Num n && n.value().equals(Rational.of(-1));
    }
    return false;
  }

  private boolean relations(Relation g, Relation p) {
    if (g.operands().size() == p.operands().size()) {
      if (g.ops().equals(p.ops()) && ordered(g.operands(), p.operands())) {
        return true;
      }
      List<Expr> reversed = new ArrayList<>(p.operands());
      java.util.Collections.reverse(reversed);
      List<String> flippedOps = new ArrayList<>();
      for (int i = p.ops().size() - 1; i >= 0; i--) {
        flippedOps.add(flip(p.ops().get(i)));
      }
      if (g.ops().equals(flippedOps) && ordered(g.operands(), reversed)) {
        return true;
      }
    }
    if (g.operands().size() != 2 || p.operands().size() != 2) {
      return false;
    }
    String go = g.ops().get(0);
    String po = p.ops().get(0);
    Expr gd = difference(g);
    Expr pd = difference(p);
    if (go.equals("=") || go.equals("!=")) {
      return go.equals(po) && proportional(gd, pd, false);
    }
    if (po.equals("=") || po.equals("!=")) {
      return false;
    }
    if (isStrictInequality(go) != isStrictInequality(po)) {
      return false;
    }
    return proportional(gd, pd, true);
  }

  private static boolean isStrictInequality(String op) {
    return op.equals("<") || op.equals(">");
  }

  private static String flip(String op) {
    return switch (op) {
      case "<" -> ">";
      case ">" -> "<";
      case "<=" -> ">=";
      case ">=" -> "<=";
      default -> op;
    };
  }

  /** rhs − lhs for "<"-type relations, lhs − rhs otherwise, so both point the same way. */
  private static Expr difference(Relation r) {
    Expr lhs = r.operands().get(0);
    Expr rhs = r.operands().get(1);
    String op = r.ops().get(0);
    if (op.equals("<") || op.equals("<=")) {
      return new Add(List.of(rhs, LatexParser.negate(lhs)));
    }
    return new Add(List.of(lhs, LatexParser.negate(rhs)));
  }

  /** a = c·b for one constant c (positive when {@code positive}) at every sampled point. */
  private boolean proportional(Expr a, Expr b, boolean positive) {
    Set<String> symbols = new TreeSet<>();
    collectSymbols(a, symbols);
    collectSymbols(b, symbols);
    if (symbols.isEmpty()) {
      return false;
    }
    boolean decimal = containsDecimal(a) || containsDecimal(b);
    SplittableRandom random = new SplittableRandom(symbols.hashCode() * 31L + 7);
    Value ratio = null;
    int agreeing = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS && agreeing < POINTS; attempt++) {
      deadline.check();
      Map<String, Rational> point = randomPoint(symbols, integerSymbols(a, b), random);
      try {
        Evaluator ev = new Evaluator(point, deadline);
        Value va = ev.eval(a);
        Value vb = ev.eval(b);
        if (!va.signKnown() || !vb.signKnown()) {
          continue;
        }
        Value r = Evaluator.multiply(vb, Evaluator.reciprocal(va));
        if (positive && r.signum() <= 0) {
          return false;
        }
        if (ratio == null) {
          ratio = r;
        } else if (!valuesEqual(ratio, r, decimal)) {
          return false;
        }
        agreeing++;
      } catch (NotEvaluable e) {
        if (!e.pointSpecific) {
          return structural(a, b);
        }
      }
    }
    return agreeing >= POINTS;
  }

  /** Single-variable inequalities and chains as intervals: "-2 <= x <= 7" is [-2, 7]. */
  static Expr relationToSet(Relation r) {
    List<Expr> ops = r.operands();
    Expr absolute = ops.size() == 2 ? absoluteValueToSet(r) : null;
    if (absolute != null) {
      return absolute;
    }
    if (ops.size() == 2) {
      boolean leftVar = ops.get(0) instanceof Sym && isConstant(ops.get(1));
      boolean rightVar = ops.get(1) instanceof Sym && isConstant(ops.get(0));
      if (!leftVar && !rightVar) {
        return null;
      }
      Expr c = leftVar ? ops.get(1) : ops.get(0);
      String op = leftVar ? r.ops().get(0) : flip(r.ops().get(0));
      Expr inf = Const.INF;
      Expr negInf = LatexParser.negate(Const.INF);
      return switch (op) {
        case "=" -> c;
        case "<" -> new Interval(negInf, c, false, false);
        case "<=" -> new Interval(negInf, c, false, true);
        case ">" -> new Interval(c, inf, false, false);
        case ">=" -> new Interval(c, inf, true, false);
        case "!=" ->
            new Union(
                List.of(new Interval(negInf, c, false, false), new Interval(c, inf, false, false)));
        default -> null;
      };
    }
    if (ops.size() == 3
        && ops.get(1) instanceof Sym
        && isConstant(ops.get(0))
        && isConstant(ops.get(2))) {
      String a = r.ops().get(0);
      String b = r.ops().get(1);
      boolean up = (a.equals("<") || a.equals("<=")) && (b.equals("<") || b.equals("<="));
      boolean down = (a.equals(">") || a.equals(">=")) && (b.equals(">") || b.equals(">="));
      if (up) {
        return new Interval(ops.get(0), ops.get(2), a.equals("<="), b.equals("<="));
      }
      if (down) {
        return new Interval(ops.get(2), ops.get(0), b.equals(">="), a.equals(">="));
      }
    }
    return null;
  }

  /** "|z| > 2" is (-∞, -2) ∪ (2, ∞); "|z| <= 2" is [-2, 2]. */
  private static Expr absoluteValueToSet(Relation r) {
    List<Expr> ops = r.operands();
    boolean left = isAbsOfSymbol(ops.get(0)) && isConstant(ops.get(1));
    boolean right = isAbsOfSymbol(ops.get(1)) && isConstant(ops.get(0));
    if (!left && !right) {
      return null;
    }
    Expr c = left ? ops.get(1) : ops.get(0);
    Expr negC = LatexParser.negate(c);
    String op = left ? r.ops().get(0) : flip(r.ops().get(0));
    Expr inf = Const.INF;
    Expr negInf = LatexParser.negate(Const.INF);
    return switch (op) {
      case "<", "<=" -> new Interval(negC, c, op.equals("<="), op.equals("<="));
      case ">", ">=" ->
          new Union(
              List.of(
                  new Interval(negInf, negC, false, op.equals(">=")),
                  new Interval(c, inf, op.equals(">="), false)));
      default -> null;
    };
  }

  private static boolean isAbsOfSymbol(Expr e) {
    return e instanceof Call call
        && call.name().equals("abs")
        && call.args().size() == 1
        && call.args().get(0) instanceof Sym;
  }

  private static boolean isConstant(Expr e) {
    Set<String> s = new TreeSet<>();
    collectSymbols(e, s);
    return s.isEmpty() && !(e instanceof Relation);
  }

  private static boolean isSetLike(Expr e) {
    return e instanceof SetOf
        || e instanceof Interval
        || e instanceof Union
        || (e instanceof Tuple t && t.items().size() == 2);
  }

  // ---- collections ----

  private boolean matrices(Matrix a, Matrix b) {
    if (a.rows().size() != b.rows().size()) {
      return false;
    }
    for (int i = 0; i < a.rows().size(); i++) {
      if (!ordered(a.rows().get(i), b.rows().get(i))) {
        return false;
      }
    }
    return true;
  }

  /** Union parts, with finite sets merged into one: {1} ∪ {2} is {1, 2}. */
  private static List<Expr> asUnionParts(Expr e) {
    List<Expr> parts = e instanceof Union u ? u.parts() : List.of(e);
    List<Expr> out = new ArrayList<>();
    List<Expr> elements = new ArrayList<>();
    for (Expr part : parts) {
      if (part instanceof SetOf s) {
        elements.addAll(s.items());
      } else {
        out.add(part);
      }
    }
    if (!elements.isEmpty()) {
      out.add(new SetOf(elements));
    }
    return out;
  }

  private static Interval asInterval(Expr e) {
    if (e instanceof Interval i) {
      return i;
    }
    if (e instanceof Tuple t && t.items().size() == 2) {
      return new Interval(t.items().get(0), t.items().get(1), false, false);
    }
    return null;
  }

  private boolean intervals(Interval g, Interval p) {
    return g.lowClosed() == p.lowClosed()
        && g.highClosed() == p.highClosed()
        && compare(g.low(), p.low())
        && compare(g.high(), p.high());
  }

  private boolean ordered(List<Expr> g, List<Expr> p) {
    if (g.size() != p.size()) {
      return false;
    }
    for (int i = 0; i < g.size(); i++) {
      if (!compare(g.get(i), p.get(i))) {
        return false;
      }
    }
    return true;
  }

  private boolean unordered(List<Expr> gold, List<Expr> pred) {
    if (gold.size() > MAX_SET_SIZE || pred.size() > MAX_SET_SIZE) {
      throw new InputTooLargeException("set larger than " + MAX_SET_SIZE);
    }
    List<Expr> g = distinct(gold);
    List<Expr> p = distinct(pred);
    if (g.size() != p.size()) {
      return false;
    }
    boolean[] used = new boolean[p.size()];
    for (Expr item : g) {
      boolean found = false;
      for (int j = 0; j < p.size(); j++) {
        if (!used[j] && compare(item, p.get(j))) {
          used[j] = true;
          found = true;
          break;
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  private List<Expr> distinct(List<Expr> items) {
    List<Expr> out = new ArrayList<>();
    for (Expr e : items) {
      Expr it = prepare(e);
      boolean dup = false;
      for (Expr o : out) {
        if (compare(o, it)) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        out.add(it);
      }
    }
    return out;
  }

  // ---- text ----

  private static boolean texts(Expr g, Expr p) {
    String a = letters(g);
    String b = letters(p);
    return a != null && b != null && a.equals(b);
  }

  /**
   * Lower-case letters of a word, a choice letter "(B)", or a product of single letters (E·v·e·n).
   */
  private static String letters(Expr e) {
    if (e instanceof Text t) {
      String s = t.value().toLowerCase().replaceAll("[\\s{}\\\\]", "");
      if (s.matches("\\([a-z]\\)")) {
        s = s.substring(1, 2);
      }
      return s;
    }
    if (e instanceof Sym s && s.name().length() == 1) {
      return s.name().toLowerCase();
    }
    if (e instanceof Const c && c.name().equals("e")) {
      return "e";
    }
    if (e instanceof Mul m) {
      StringBuilder sb = new StringBuilder();
      for (Expr f : m.factors()) {
        String l = letters(f);
        if (l == null || l.length() != 1) {
          return null;
        }
        sb.append(l);
      }
      return sb.toString();
    }
    return null;
  }

  // ---- scalars ----

  private boolean scalars(Expr g, Expr p) {
    boolean decimal = containsDecimal(g) || containsDecimal(p);
    Set<String> symbols = new TreeSet<>();
    collectSymbols(g, symbols);
    collectSymbols(p, symbols);
    if (realScalars(g, p, symbols, decimal)) {
      return true;
    }
    // Equal for every value of a variable i means equal for the imaginary unit too; only a "no"
    // needs a second look with i² = −1.
    return symbols.contains("i") && complexScalars(g, p, symbols, decimal);
  }

  private boolean complexScalars(Expr g, Expr p, Set<String> symbols, boolean decimal) {
    Set<String> real = new TreeSet<>(symbols);
    real.remove("i");
    SplittableRandom random = new SplittableRandom(real.hashCode() + 11);
    double tolerance = decimal ? Math.pow(10, -options.floatRounding()) : 1e-9;
    int agreeing = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS && agreeing < POINTS; attempt++) {
      deadline.check();
      try {
        ComplexEvaluator ev =
            new ComplexEvaluator(randomPoint(real, integerSymbols(g, p), random), deadline);
        ComplexEvaluator.Complex a = ev.eval(g);
        ComplexEvaluator.Complex b = ev.eval(p);
        double diff = Math.hypot(a.re() - b.re(), a.im() - b.im());
        if (diff > tolerance * Math.max(a.abs(), b.abs()) + 1e-12) {
          return false;
        }
        agreeing++;
      } catch (NotEvaluable e) {
        if (!e.pointSpecific) {
          return false;
        }
      }
    }
    return agreeing >= POINTS;
  }

  private boolean realScalars(Expr g, Expr p, Set<String> symbols, boolean decimal) {
    if (symbols.isEmpty()) {
      try {
        Evaluator ev = new Evaluator(Map.of(), deadline);
        return valuesEqual(ev.eval(g), ev.eval(p), decimal);
      } catch (NotEvaluable e) {
        return structural(g, p);
      }
    }
    SplittableRandom random = new SplittableRandom(symbols.hashCode());
    Set<String> integers = integerSymbols(g, p);
    int agreeing = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS && agreeing < POINTS; attempt++) {
      deadline.check();
      try {
        Evaluator ev = new Evaluator(randomPoint(symbols, integers, random), deadline);
        Value a = ev.eval(g);
        Value b = ev.eval(p);
        if (!valuesEqual(a, b, decimal)) {
          return false;
        }
        agreeing++;
      } catch (NotEvaluable e) {
        if (!e.pointSpecific) {
          return structural(g, p);
        }
      }
    }
    return agreeing >= POINTS || (agreeing == 0 && structural(g, p));
  }

  /**
   * Random rationals in about [0.3, 10] for each variable; variables used as a sum bound or a
   * factorial/binomial argument get integers, since n! and sums to n only exist there.
   */
  private static Map<String, Rational> randomPoint(
      Set<String> symbols, Set<String> integers, SplittableRandom random) {
    Map<String, Rational> point = new HashMap<>();
    for (String s : symbols) {
      if (integers.contains(s)) {
        point.put(s, Rational.of(3 + random.nextInt(30)));
        continue;
      }
      long num = 1000 + random.nextInt(9000);
      long den = 997 + random.nextInt(2000);
      point.put(s, Rational.of(BigInteger.valueOf(num), BigInteger.valueOf(den)));
    }
    return point;
  }

  private static Set<String> integerSymbols(Expr... exprs) {
    Set<String> out = new TreeSet<>();
    for (Expr e : exprs) {
      collectIntegerSymbols(e, out);
    }
    return out;
  }

  private static void collectIntegerSymbols(Expr e, Set<String> out) {
    if (e instanceof Call c) {
      switch (c.name()) {
        case "factorial", "binom" -> c.args().forEach(a -> collectSymbols(a, out));
        case "sum", "prod" -> {
          collectSymbols(c.args().get(1), out);
          collectSymbols(c.args().get(2), out);
        }
        default -> {}
      }
    }
    for (Expr k : Subexpressions.of(e)) {
      collectIntegerSymbols(k, out);
    }
  }

  /**
   * Exact values compare exactly. When a side was written as a decimal, both are rounded to {@code
   * floatRounding} significant decimals (decimal places for |x| >= 0.1), so 0.333333 matches 1/3
   * but 1e-7 never matches 2e-7. Otherwise approximate values must agree within their error bounds.
   */
  private boolean valuesEqual(Value a, Value b, boolean decimal) {
    if (a.isExact() && b.isExact() && (!decimal || a.exact().equals(b.exact()))) {
      return a.exact().equals(b.exact());
    }
    BigDecimal x = a.decimal();
    BigDecimal y = b.decimal();
    BigDecimal diff = x.subtract(y).abs();
    BigDecimal bound = a.error().add(b.error()).multiply(BigDecimal.valueOf(4));
    if (diff.compareTo(bound) <= 0) {
      return true;
    }
    if (!decimal) {
      return false;
    }
    BigDecimal max = x.abs().max(y.abs());
    if (max.signum() == 0) {
      return true;
    }
    int magnitude = max.precision() - max.scale() - 1;
    int places = options.floatRounding() + Math.max(0, -magnitude - 1);
    BigDecimal rx = x.setScale(places, RoundingMode.HALF_EVEN);
    BigDecimal ry = y.setScale(places, RoundingMode.HALF_EVEN);
    return rx.compareTo(ry) == 0;
  }

  private boolean structural(Expr g, Expr p) {
    return canonical(g).equals(canonical(p));
  }

  /** Render with sums and products sorted, so a + b and b + a have one key. */
  static String canonical(Expr e) {
    if (e instanceof Add a) {
      List<String> parts = new ArrayList<>();
      a.terms().forEach(t -> parts.add(canonical(t)));
      parts.sort(null);
      return "(" + String.join("+", parts) + ")";
    }
    if (e instanceof Mul m) {
      List<String> parts = new ArrayList<>();
      m.factors().forEach(t -> parts.add(canonical(t)));
      parts.sort(null);
      return "(" + String.join("*", parts) + ")";
    }
    if (e instanceof Num n) {
      return n.value().toString();
    }
    List<Expr> kids = Subexpressions.of(e);
    if (kids.isEmpty()) {
      return e.render();
    }
    StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
    if (e instanceof Call c) {
      sb.append(':').append(c.name());
    }
    if (e instanceof Relation r) {
      sb.append(r.ops());
    }
    if (e instanceof Interval i) {
      sb.append(i.lowClosed()).append(i.highClosed());
    }
    sb.append('[');
    for (Expr k : kids) {
      sb.append(canonical(k)).append(';');
    }
    return sb.append(']').toString();
  }

  static void collectSymbols(Expr e, Set<String> out) {
    if (e instanceof Sym s) {
      out.add(s.name());
      return;
    }
    for (Expr k : Subexpressions.of(e)) {
      collectSymbols(k, out);
    }
  }

  private static boolean containsMatrix(Expr e) {
    if (e instanceof Matrix) {
      return true;
    }
    if (e instanceof Add || e instanceof Mul || e instanceof Pow) {
      for (Expr k : Subexpressions.of(e)) {
        if (containsMatrix(k)) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean containsDecimal(Expr e) {
    if (e instanceof Num n) {
      return n.decimal();
    }
    for (Expr k : Subexpressions.of(e)) {
      if (containsDecimal(k)) {
        return true;
      }
    }
    return false;
  }

  private static Expr renameVariables(Expr pred, Expr gold) {
    List<String> g = new ArrayList<>(symbolsInOrder(gold));
    List<String> p = new ArrayList<>(symbolsInOrder(pred));
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < Math.min(g.size(), p.size()); i++) {
      map.put(p.get(i), g.get(i));
    }
    return Subexpressions.rewrite(
        pred,
        e -> e instanceof Sym s && map.containsKey(s.name()) ? new Sym(map.get(s.name())) : e);
  }

  private static Set<String> symbolsInOrder(Expr e) {
    Set<String> out = new LinkedHashSet<>();
    collectOrdered(e, out);
    return out;
  }

  private static void collectOrdered(Expr e, Set<String> out) {
    if (e instanceof Sym s) {
      out.add(s.name());
    }
    for (Expr k : Subexpressions.of(e)) {
      collectOrdered(k, out);
    }
  }
}
