package dev.grpo.localstack;

import dev.grpo.localstack.Soak.Answer;
import dev.grpo.localstack.Soak.Probe;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The soak's table: per kind, how many requests, their statuses, latencies and surprises. */
record SoakReport(List<Row> rows, List<String> faults) {

  record Row(
      String kind,
      int requests,
      Map<Integer, Integer> statuses,
      double p50Millis,
      double p99Millis,
      Duration p99Bound,
      int unanswered,
      List<String> surprises) {

    boolean passed() {
      return requests > 0
          && unanswered == 0
          && surprises.isEmpty()
          && p99Millis <= p99Bound.toMillis();
    }
  }

  static SoakReport of(
      List<Probe> probes,
      Map<String, ? extends Collection<Answer>> answers,
      Map<String, ? extends Collection<String>> surprises,
      List<String> faults) {
    List<Row> rows = new ArrayList<>();
    for (Probe probe : probes) {
      Collection<Answer> sent = answers.get(probe.name());
      List<Answer> got = sent == null ? List.of() : List.copyOf(sent);
      Map<Integer, Integer> statuses = new TreeMap<>();
      got.forEach(a -> statuses.merge(a.status(), 1, Integer::sum));
      double[] millis = got.stream().mapToDouble(a -> a.nanos() / 1e6).sorted().toArray();
      rows.add(
          new Row(
              probe.name(),
              got.size(),
              statuses,
              percentile(millis, 0.50),
              percentile(millis, 0.99),
              probe.p99Bound(),
              statuses.getOrDefault(-1, 0),
              surprises.containsKey(probe.name())
                  ? List.copyOf(surprises.get(probe.name()))
                  : List.of()));
    }
    return new SoakReport(List.copyOf(rows), List.copyOf(faults));
  }

  /** Nearest-rank percentile of sorted values; 0 when there are none. */
  static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  boolean passed() {
    return faults.isEmpty() && rows.stream().allMatch(Row::passed);
  }

  void print(PrintStream out) {
    out.printf(
        "%-30s %8s  %-24s %9s %9s %8s  %s%n",
        "kind", "requests", "statuses", "p50 ms", "p99 ms", "bound", "verdict");
    for (Row r : rows) {
      out.printf(
          "%-30s %8d  %-24s %9.1f %9.1f %7ds  %s%n",
          r.kind(),
          r.requests(),
          r.statuses(),
          r.p50Millis(),
          r.p99Millis(),
          r.p99Bound().toSeconds(),
          r.passed() ? "ok" : "FAILED");
      r.surprises().stream().limit(3).forEach(s -> out.println("    unexpected: " + s));
    }
    faults.forEach(f -> out.println("  fault: " + f));
    out.println(passed() ? "Soak passed." : "Soak FAILED.");
  }
}
