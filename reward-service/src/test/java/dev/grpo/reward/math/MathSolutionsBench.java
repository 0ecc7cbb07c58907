package dev.grpo.reward.math;

import dev.grpo.rule.RuleInput;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Realistic traffic, one core: the MATH solutions as completions against their own boxed answers,
 * through {@code math_accuracy}, through {@link MathVerifier#verify} on the whole text, and through
 * Hugging Face's Math-Verify (Python, when found: {@link MathVerifyReference}) on the same pairs in
 * the same run. Prints verifications per CPU-second, the ratio to Math-Verify and how many pairs
 * each verifies (every pair should: the gold is the solution's own last box).
 *
 * <p>Ours is timed with a warmed JIT, as in a reward service that runs for hours: on this traffic
 * C2 finishes compiling the hot path only after ~15,000 calls, and before that the rate is about a
 * fifth of the steady one, so the first pass of a fresh JVM is printed as its own row. Run with
 * {@code -XX:-BackgroundCompilation}: compilation then blocks the (uncharged) thread instead of
 * racing other processes for a core, so the warm-up ends warm whatever the machine's load.
 */
final class MathSolutionsBench {

  private static final int REFERENCE_WARMUP_PAIRS = 100;

  private final List<MathSolutions.Pair> pairs;
  private final List<RuleInput> inputs;
  private final int rounds;
  private final int warmupPasses;
  private final MathAccuracyRule rule = new MathAccuracyRule();
  private final MathAccuracyRule.Params params = rule.parseParams(Map.of());
  private final MathVerifier verifier = new MathVerifier();
  private final ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

  /** CPU seconds of each timed pass and the pairs (indices) the first pass did not verify. */
  private record Timing(double[] passSeconds, double userSeconds, List<Integer> misses) {
    double perUserSecond(int pairsPerPass) {
      return pairsPerPass * passSeconds.length / userSeconds;
    }

    double perCpuSecond(int pairsPerPass) {
      double total = 0;
      for (double s : passSeconds) {
        total += s;
      }
      return pairsPerPass * passSeconds.length / total;
    }

    double slowestPass(int pairsPerPass) {
      double max = 0;
      for (double s : passSeconds) {
        max = Math.max(max, s);
      }
      return pairsPerPass / max;
    }

    double fastestPass(int pairsPerPass) {
      double min = Double.MAX_VALUE;
      for (double s : passSeconds) {
        min = Math.min(min, s);
      }
      return pairsPerPass / min;
    }
  }

  MathSolutionsBench(List<MathSolutions.Pair> pairs, int rounds, int warmupPasses) {
    this.pairs = pairs;
    this.rounds = rounds;
    this.warmupPasses = warmupPasses;
    this.inputs = new ArrayList<>();
    for (MathSolutions.Pair p : pairs) {
      inputs.add(p.asRuleInput());
    }
  }

  private boolean ruleVerifies(int i) {
    Double score = rule.score(inputs.get(i), params).score();
    return score != null && score == 1.0;
  }

  private boolean verifierVerifies(int i) {
    MathSolutions.Pair p = pairs.get(i);
    return verifier.verify(p.gold(), p.solution()).correct();
  }

  /** Runs every pair {@code passes} times, timing each pass on this thread's CPU clock. */
  private Timing time(IntPredicate verifies, int passes) {
    double[] seconds = new double[passes];
    List<Integer> misses = new ArrayList<>();
    long user0 = cpu.getCurrentThreadUserTime();
    for (int pass = 0; pass < passes; pass++) {
      long t0 = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < pairs.size(); i++) {
        if (!verifies.test(i) && pass == 0) {
          misses.add(i);
        }
      }
      seconds[pass] = (cpu.getCurrentThreadCpuTime() - t0) / 1e9;
    }
    return new Timing(seconds, (cpu.getCurrentThreadUserTime() - user0) / 1e9, misses);
  }

  void run() {
    Timing cold = time(this::ruleVerifies, 1);
    for (int pass = 0; pass < warmupPasses; pass++) {
      time(this::ruleVerifies, 1);
      time(this::verifierVerifies, 1);
    }
    Timing ruleTiming = time(this::ruleVerifies, rounds);
    Timing verifierTiming = time(this::verifierVerifies, rounds);

    StringBuilder why = new StringBuilder();
    MathVerifyReference reference = MathVerifyReference.locate(why);
    MathVerifyReference.PairsRun theirs = null;
    if (reference != null) {
      try {
        theirs = reference.verifyPairs(pairs, REFERENCE_WARMUP_PAIRS);
      } catch (IOException e) {
        why.append("driver failed: ").append(e.getMessage());
      }
    }
    double theirCpuRate = theirs == null ? Double.NaN : theirs.perCpuSecond();
    double theirUserRate = theirs == null ? Double.NaN : theirs.perUserSecond();

    int n = pairs.size();
    long chars = pairs.stream().mapToLong(p -> p.solution().length()).sum();
    System.out.printf(
        "MATH solutions: %d pairs (each solution against its own last box), mean completion %d"
            + " chars, one thread / one process%n",
        n, chars / n);
    System.out.printf(
        "%-46s %11s %11s %8s %8s %6s%n",
        "verifier", "per CPU-s", "per user-s", "× MV CPU", "× MV usr", "agree");
    Row rows = new Row(theirCpuRate, theirUserRate, n);
    rows.print("math_accuracy rule (ours), warm JIT", ruleTiming);
    rows.print("MathVerifier.verify on whole text, warm JIT", verifierTiming);
    rows.print("math_accuracy rule, first pass of a fresh JVM", cold);
    if (theirs == null) {
      System.out.println("Math-Verify: not found (" + why + ")");
      System.out.println("  to measure it: " + MathVerifyReference.HOW_TO_PROVIDE);
    } else {
      rows.print("Math-Verify " + theirs.version(), theirCpuRate, theirUserRate, theirs.correct());
    }
    System.out.printf(
        "  ours: %d warm-up passes of each, then %d timed passes on the thread's CPU clock (rule"
            + " passes %.0f–%.0f/s, verifier %.0f–%.0f/s)%n",
        warmupPasses,
        rounds,
        ruleTiming.slowestPass(n),
        ruleTiming.fastestPass(n),
        verifierTiming.slowestPass(n),
        verifierTiming.fastestPass(n));
    if (!ManagementFactory.getRuntimeMXBean()
        .getInputArguments()
        .contains("-XX:-BackgroundCompilation")) {
      System.out.println(
          "  warning: JIT compiles in the background; on a loaded machine C2 may still be working"
              + " after the warm-up (see the pass range). Run with -XX:-BackgroundCompilation.");
    }
    if (theirs != null) {
      System.out.printf(
          "  Math-Verify: %d pairs warm-up, then one timed pass; CPU %.2f s = user %.2f s +"
              + " system %.2f s%n",
          REFERENCE_WARMUP_PAIRS,
          theirs.cpuSeconds(),
          theirs.userSeconds(),
          theirs.cpuSeconds() - theirs.userSeconds());
    }
    printMisses("math_accuracy", ruleTiming.misses());
    printMisses("MathVerifier.verify", verifierTiming.misses());
    if (theirs != null) {
      printMisses("Math-Verify", theirs.misses());
      conformance(reference);
    }
  }

  /**
   * One table row: rates per CPU-second (user + system) and per user CPU-second, each with its
   * ratio to Math-Verify's rate on the same clock.
   */
  private record Row(double theirCpuRate, double theirUserRate, int pairs) {
    void print(String name, Timing timing) {
      print(
          name,
          timing.perCpuSecond(pairs),
          timing.perUserSecond(pairs),
          pairs - timing.misses().size());
    }

    void print(String name, double cpuRate, double userRate, int agree) {
      System.out.printf(
          "%-46s %11.0f %11.0f %8s %8s %6d%n",
          name,
          cpuRate,
          userRate,
          ratio(cpuRate, theirCpuRate),
          ratio(userRate, theirUserRate),
          agree);
    }

    private static String ratio(double ours, double theirs) {
      return Double.isNaN(theirs) ? "n/a" : String.format("%.1f×", ours / theirs);
    }
  }

  private void printMisses(String who, List<Integer> misses) {
    StringBuilder lines = new StringBuilder();
    for (int i : misses) {
      lines.append(lines.length() == 0 ? "" : ", ").append(pairs.get(i).line());
    }
    System.out.printf(
        "  %s misses (data file lines): %s%n", who, misses.isEmpty() ? "none" : lines);
  }

  /** Ours and Math-Verify on the shared conformance table, when it is present. */
  private static void conformance(MathVerifyReference reference) {
    Path table = null;
    for (Path dir = Path.of("").toAbsolutePath(); dir != null && table == null; ) {
      Path candidate = dir.resolve(ConformanceTest.TABLE);
      table = Files.isRegularFile(candidate) ? candidate : null;
      dir = dir.getParent();
    }
    if (table == null) {
      System.out.println("conformance: " + ConformanceTest.TABLE + " not found");
      return;
    }
    try {
      MathVerifier verifier = new MathVerifier();
      int rows = 0;
      int agree = 0;
      for (Map<String, String> row : EscapedTsv.read(table)) {
        if ("yes".equals(row.get("enabled").trim())) {
          rows++;
          boolean expected = "1".equals(row.get("expected").trim());
          boolean got =
              verifier
                  .verify(row.get("gold"), row.get("prediction"), ConformanceTest.optionsFor(row))
                  .correct();
          agree += expected == got ? 1 : 0;
        }
      }
      MathVerifyReference.ConformanceRun theirs = reference.conformance(table);
      System.out.printf(
          "conformance table (expected = Math-Verify's own test verdicts): ours %d/%d,"
              + " Math-Verify %d/%d%s%n",
          agree,
          rows,
          theirs.agree(),
          theirs.rows(),
          theirs.disagreements().isEmpty()
              ? ""
              : " (Math-Verify differs on lines " + theirs.disagreements() + ")");
    } catch (IOException e) {
      System.out.println("conformance: " + e.getMessage());
    }
  }
}
