package dev.grpo.reward.math;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Single-thread throughput and latency of {@link MathVerifier} on generated answer pairs, after
 * {@link MathSolutionsBench} (realistic traffic beside Math-Verify) when {@code
 * shared/data/datasets/math/} is present. Run with {@code -XX:-BackgroundCompilation}: {@code java
 * -XX:-BackgroundCompilation -cp target/classes:target/test-classes:<deps>
 * dev.grpo.reward.math.VerifierBench [per kind] [timed passes] [warm-up passes]}.
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
      new MathSolutionsBench(
              MathSolutions.read(math),
              args.length > 1 ? Integer.parseInt(args[1]) : 10,
              args.length > 2 ? Integer.parseInt(args[2]) : 40)
          .run();
    }
    generated(perKind);
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
