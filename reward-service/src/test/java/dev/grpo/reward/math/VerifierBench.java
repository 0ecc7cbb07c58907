package dev.grpo.reward.math;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Single-thread throughput and latency of {@link MathVerifier} on generated answer pairs and, when
 * {@code shared/data/datasets/math/} is present, on realistic traffic: the 1,000 MATH test
 * solutions as completions (about 1,000 characters each) against their own boxed answers, through
 * {@code math_accuracy} (final-answer rules included) and through the verifier on the whole text.
 * Run: {@code java -cp target/classes:target/test-classes:<deps>
 * dev.grpo.reward.math.VerifierBench}.
 */
public final class VerifierBench {

  private record Pair(String kind, String gold, String prediction) {}

  private VerifierBench() {}

  static List<Pair> generate(int perKind, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Pair> pairs = new ArrayList<>();
    String prose =
        "Let us compute step by step. First we simplify the expression and check the edge cases"
            + " carefully, then we combine the terms. ";
    for (int i = 0; i < perKind; i++) {
      int a = 1 + r.nextInt(999);
      int b = 2 + r.nextInt(98);
      boolean right = r.nextInt(4) != 0;
      int a2 = right ? a : a + 1;
      pairs.add(new Pair("integer", Integer.toString(a), "$" + a2 + "$"));
      pairs.add(
          new Pair(
              "fraction",
              "\\frac{" + a + "}{" + b + "}",
              "$\\dfrac{" + 2 * a2 + "}{" + 2 * b + "}$"));
      int d = new int[] {2, 4, 5, 8, 16, 20, 25, 40}[r.nextInt(8)];
      String dec =
          new java.math.BigDecimal(a2).divide(java.math.BigDecimal.valueOf(d)).toPlainString();
      pairs.add(new Pair("decimal", "\\frac{" + a + "}{" + d + "}", "$" + dec + "$"));
      pairs.add(
          new Pair("expression", "x^2 + " + 2 * a + "x + " + (long) a * a, "$(x + " + a2 + ")^2$"));
      pairs.add(
          new Pair(
              "radical",
              "\\frac{" + a + "\\sqrt{" + b + "}}{" + b + "}",
              "$\\frac{" + a2 + "}{\\sqrt{" + b + "}}$"));
      pairs.add(
          new Pair("set", "\\{" + a + ", " + b + ", -1\\}", "$\\{-1, " + b + ", " + a2 + "\\}$"));
      pairs.add(
          new Pair("interval", "[" + (-b) + ", " + a + ")", "$x \\in [" + (-b) + ", " + a2 + ")$"));
      String completion =
          prose.repeat(1 + r.nextInt(6))
              + "So $x = "
              + (a + 7)
              + "$ is a candidate. Therefore the final answer is $\\boxed{"
              + a2
              + "}$.";
      pairs.add(new Pair("boxed completion", Integer.toString(a), completion));
    }
    return pairs;
  }

  public static void main(String[] args) throws java.io.IOException {
    int perKind = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    java.nio.file.Path math = MathSolutions.locate();
    if (math == null) {
      System.out.println("MATH solutions: skipped, " + MathSolutions.FILE + " not found");
    } else {
      mathSolutions(MathSolutions.read(math), args.length > 1 ? Integer.parseInt(args[1]) : 5);
    }
    generated(perKind);
  }

  /**
   * Verifications per CPU-second on the MATH solutions: our rule and our verifier on this thread,
   * and Math-Verify (Python, one process, single-threaded) on the same pairs when it is found.
   */
  static void mathSolutions(List<MathSolutions.Pair> pairs, int rounds) {
    MathAccuracyRule rule = new MathAccuracyRule();
    MathAccuracyRule.Params params = rule.parseParams(Map.of());
    MathVerifier verifier = new MathVerifier();
    List<dev.grpo.rule.RuleInput> inputs = new ArrayList<>();
    long chars = 0;
    for (MathSolutions.Pair p : pairs) {
      inputs.add(
          new dev.grpo.rule.RuleInput(
              "i",
              p.problem(),
              p.solution(),
              new dev.grpo.rule.RuleInput.Reference(p.gold(), null, null),
              null,
              null,
              null));
      chars += p.solution().length();
    }
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    for (int warm = 0; warm < 2; warm++) {
      inputs.forEach(in -> rule.score(in, params));
      pairs.forEach(p -> verifier.verify(p.gold(), p.solution()));
    }
    List<Integer> ruleMisses = new ArrayList<>();
    long t0 = cpu.getCurrentThreadCpuTime();
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < inputs.size(); i++) {
        Double score = rule.score(inputs.get(i), params).score();
        if (round == 0 && (score == null || score != 1.0)) {
          ruleMisses.add(i);
        }
      }
    }
    double ruleSeconds = (cpu.getCurrentThreadCpuTime() - t0) / 1e9;
    List<Integer> verifierMisses = new ArrayList<>();
    t0 = cpu.getCurrentThreadCpuTime();
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < pairs.size(); i++) {
        MathSolutions.Pair p = pairs.get(i);
        if (!verifier.verify(p.gold(), p.solution()).correct() && round == 0) {
          verifierMisses.add(i);
        }
      }
    }
    double verifierSeconds = (cpu.getCurrentThreadCpuTime() - t0) / 1e9;
    int n = pairs.size() * rounds;
    double ruleRate = n / ruleSeconds;
    double verifierRate = n / verifierSeconds;

    StringBuilder why = new StringBuilder();
    MathVerifyReference reference = MathVerifyReference.locate(why);
    MathVerifyReference.PairsRun referenceRun = null;
    if (reference != null) {
      try {
        referenceRun = reference.verifyPairs(pairs, 100);
      } catch (java.io.IOException e) {
        why.append("driver failed: ").append(e.getMessage());
      }
    }
    double referenceRate = referenceRun == null ? Double.NaN : referenceRun.perCpuSecond();

    System.out.printf(
        "MATH solutions: %d pairs (each solution against its own last box), mean completion %d"
            + " chars, one thread / one process%n",
        pairs.size(), chars / pairs.size());
    System.out.printf(
        "%-34s %12s %14s %10s%n", "verifier", "verif/CPU-s", "× Math-Verify", "agree");
    row(
        "math_accuracy rule (ours)",
        ruleRate,
        referenceRate,
        pairs.size() - ruleMisses.size(),
        pairs);
    row(
        "MathVerifier.verify, whole text",
        verifierRate,
        referenceRate,
        pairs.size() - verifierMisses.size(),
        pairs);
    if (referenceRun == null) {
      System.out.println("Math-Verify: not found (" + why + ")");
      System.out.println("  to measure it: " + MathVerifyReference.HOW_TO_PROVIDE);
    } else {
      row(
          "Math-Verify " + referenceRun.version() + " (Python)",
          referenceRate,
          referenceRate,
          referenceRun.correct(),
          pairs);
    }
    System.out.printf(
        "  (ours: 2 warm-up + %d timed passes, thread CPU time; Math-Verify: 100 pairs warm-up +"
            + " 1 timed pass, time.process_time)%n",
        rounds);
    printMisses("math_accuracy", ruleMisses, pairs);
    printMisses("MathVerifier.verify", verifierMisses, pairs);
    if (referenceRun != null) {
      printMisses("Math-Verify", referenceRun.misses(), pairs);
      conformance(reference);
    }
  }

  private static void row(
      String name, double rate, double referenceRate, int agree, List<MathSolutions.Pair> pairs) {
    System.out.printf(
        "%-34s %12.0f %13s %5d/%d%n",
        name,
        rate,
        Double.isNaN(referenceRate) ? "n/a" : String.format("%.1f×", rate / referenceRate),
        agree,
        pairs.size());
  }

  private static void printMisses(
      String who, List<Integer> misses, List<MathSolutions.Pair> pairs) {
    StringBuilder lines = new StringBuilder();
    for (int i : misses) {
      lines.append(lines.length() == 0 ? "" : ", ").append(pairs.get(i).line());
    }
    System.out.printf("  %s misses (file lines): %s%n", who, misses.isEmpty() ? "none" : lines);
  }

  /** Ours and Math-Verify on the shared conformance table, when it is present. */
  private static void conformance(MathVerifyReference reference) {
    java.nio.file.Path table = null;
    for (java.nio.file.Path dir = java.nio.file.Path.of("").toAbsolutePath();
        dir != null && table == null;
        dir = dir.getParent()) {
      java.nio.file.Path candidate = dir.resolve(ConformanceTest.TABLE);
      table = java.nio.file.Files.isRegularFile(candidate) ? candidate : null;
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
          "conformance table (expected = Math-Verify's own tests): ours %d/%d, Math-Verify %d/%d%s%n",
          agree,
          rows,
          theirs.agree(),
          theirs.rows(),
          theirs.disagreements().isEmpty()
              ? ""
              : " (Math-Verify disagrees on lines " + theirs.disagreements() + ")");
    } catch (java.io.IOException e) {
      System.out.println("conformance: " + e.getMessage());
    }
  }

  static void generated(int perKind) {
    MathVerifier verifier = new MathVerifier();
    List<Pair> pairs = generate(perKind, 42);
    List<Pair> warm = generate(perKind, 7);
    for (int round = 0; round < 5; round++) {
      for (Pair p : warm) {
        verifier.verify(p.gold(), p.prediction());
      }
    }
    Map<String, List<Long>> byKind = new LinkedHashMap<>();
    Map<String, Integer> correct = new LinkedHashMap<>();
    Map<String, Integer> notOk = new LinkedHashMap<>();
    List<Long> all = new ArrayList<>();
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuStart = cpu.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    for (int round = 0; round < 3; round++) {
      for (Pair p : pairs) {
        long t0 = System.nanoTime();
        VerificationResult res = verifier.verify(p.gold(), p.prediction());
        long t = System.nanoTime() - t0;
        byKind.computeIfAbsent(p.kind(), k -> new ArrayList<>()).add(t);
        all.add(t);
        if (round == 0) {
          correct.merge(p.kind(), res.correct() ? 1 : 0, Integer::sum);
          notOk.merge(p.kind(), res.status() == VerificationStatus.OK ? 0 : 1, Integer::sum);
        }
      }
    }
    long elapsed = System.nanoTime() - start;
    long cpuElapsed = cpu.getCurrentThreadCpuTime() - cpuStart;
    System.out.printf(
        "%-18s %8s %12s %10s %10s %9s %7s%n",
        "kind", "calls", "verif/s", "p50 µs", "p99 µs", "correct", "!OK");
    for (Map.Entry<String, List<Long>> e : byKind.entrySet()) {
      long[] t = e.getValue().stream().mapToLong(Long::longValue).toArray();
      print(e.getKey(), t, correct.get(e.getKey()), notOk.get(e.getKey()), perKind);
    }
    long[] t = all.stream().mapToLong(Long::longValue).toArray();
    System.out.printf(
        "%-18s %8d %12.0f %10.1f %10.1f%n",
        "ALL (wall clock)",
        t.length,
        t.length / (elapsed / 1e9),
        pct(t, 50) / 1e3,
        pct(t, 99) / 1e3);
    // On a shared machine wall-clock figures include time the thread spent descheduled; thread CPU
    // time gives the per-core rate.
    System.out.printf(
        "%-18s %8d %12.0f   (thread CPU %.2f s of %.2f s wall)%n",
        "ALL (per CPU-s)",
        t.length,
        t.length / (cpuElapsed / 1e9),
        cpuElapsed / 1e9,
        elapsed / 1e9);
  }

  private static void print(String kind, long[] t, int correct, int notOk, int perKind) {
    double mean = Arrays.stream(t).average().orElse(0);
    System.out.printf(
        "%-18s %8d %12.0f %10.1f %10.1f %5d/%-4d %5d%n",
        kind, t.length, 1e9 / mean, pct(t, 50) / 1e3, pct(t, 99) / 1e3, correct, perKind, notOk);
  }

  private static double pct(long[] t, int p) {
    long[] s = t.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
  }
}
