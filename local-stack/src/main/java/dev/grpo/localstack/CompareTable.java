package dev.grpo.localstack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of {@code ./grpo compare}: one row per method, aggregated over its seeds. Pure
 * arithmetic and formatting, so it is tested without a stack.
 */
final class CompareTable {

  /**
   * What one run of one method produced.
   *
   * @param method the method's name in the table
   * @param seed the run's seed
   * @param accuracyBefore held-out accuracy at step 0 (after the cold start)
   * @param accuracyAfter held-out accuracy after the last step
   * @param rewardCurve the mean training reward of each step
   * @param peakRssBytes the largest per-step training-phase peak RSS of the trainer process
   * @param peakGrowthBytes the largest growth of RSS within a training phase (peak − RSS before)
   * @param parameterOptimizerBytes weights + AdamW moments (critic included)
   * @param secondsPerStep median wall seconds of a whole step (sampling, scoring, training, sync);
   *     the median, so the first step of a fresh trainer (JIT, allocator warm-up) does not count
   *     against the method that happens to run first
   * @param trainingSecondsPerStep median seconds of the training phase alone
   */
  record RunResult(
      String method,
      long seed,
      double accuracyBefore,
      double accuracyAfter,
      double[] rewardCurve,
      double peakRssBytes,
      double peakGrowthBytes,
      double parameterOptimizerBytes,
      double secondsPerStep,
      double trainingSecondsPerStep) {

    /** Area under the reward curve per step: the mean reward over the run's steps. */
    double rewardArea() {
      return mean(rewardCurve);
    }
  }

  private CompareTable() {}

  /** The rows in the order the methods first appear. */
  static String render(List<RunResult> results) {
    Map<String, List<RunResult>> byMethod = new LinkedHashMap<>();
    for (RunResult r : results) {
      byMethod.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
    }
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%-22s %5s  %-15s  %-15s  %-13s  %9s  %9s  %10s  %7s  %8s%n",
            "method",
            "seeds",
            "acc before",
            "acc after",
            "reward area",
            "peak RSS",
            "train +RSS",
            "param+opt",
            "s/step",
            "train s"));
    for (Map.Entry<String, List<RunResult>> e : byMethod.entrySet()) {
      List<RunResult> runs = e.getValue();
      out.append(
          String.format(
              Locale.ROOT,
              "%-22s %5d  %-15s  %-15s  %-13s  %6.0f MB  %6.0f MB  %7.2f MB  %7.2f  %8.3f%n",
              e.getKey(),
              runs.size(),
              meanStd(runs.stream().mapToDouble(RunResult::accuracyBefore).toArray(), 3),
              meanStd(runs.stream().mapToDouble(RunResult::accuracyAfter).toArray(), 3),
              meanStd(runs.stream().mapToDouble(RunResult::rewardArea).toArray(), 3),
              max(runs.stream().mapToDouble(RunResult::peakRssBytes).toArray()) / 1e6,
              max(runs.stream().mapToDouble(RunResult::peakGrowthBytes).toArray()) / 1e6,
              max(runs.stream().mapToDouble(RunResult::parameterOptimizerBytes).toArray()) / 1e6,
              mean(runs.stream().mapToDouble(RunResult::secondsPerStep).toArray()),
              mean(runs.stream().mapToDouble(RunResult::trainingSecondsPerStep).toArray())));
    }
    return out.toString();
  }

  /** "mean ± std" with the sample (n − 1) std; the std is left out for a single value. */
  static String meanStd(double[] values, int digits) {
    String format = "%." + digits + "f";
    String m = String.format(Locale.ROOT, format, mean(values));
    if (values.length < 2) {
      return m;
    }
    return m + " ± " + String.format(Locale.ROOT, format, std(values));
  }

  /** The median (mean of the middle two for an even count); NaN when empty. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return values.length == 0 ? Double.NaN : sum / values.length;
  }

  static double std(double[] values) {
    double m = mean(values);
    double sq = 0;
    for (double v : values) {
      sq += (v - m) * (v - m);
    }
    return values.length < 2 ? Double.NaN : Math.sqrt(sq / (values.length - 1));
  }

  private static double max(double[] values) {
    double best = Double.NaN;
    for (double v : values) {
      if (!Double.isNaN(v) && (Double.isNaN(best) || v > best)) {
        best = v;
      }
    }
    return best;
  }
}
