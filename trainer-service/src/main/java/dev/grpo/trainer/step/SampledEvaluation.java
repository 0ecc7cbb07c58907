package dev.grpo.trainer.step;

import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * The held-out metrics DeepSeek-R1 reports, from k sampled completions per item: pass@1 averaged
 * over the k samples, pass@j for j = 1, 2, 4, … ≤ k by the unbiased estimator of Chen et al.
 * (2021), 1 − C(k−c, j)/C(k, j) with c correct samples out of k, and cons@k, the accuracy of the
 * majority answer (the most frequent extracted answer, the earliest sample's on a tie; samples with
 * no answer do not vote). A sample is correct when the accuracy rule scored it OK with 1.
 */
final class SampledEvaluation {

  private SampledEvaluation() {}

  /** One item's k samples: whether each is correct, and each one's extracted answer (or null). */
  record ItemSamples(List<Boolean> correct, List<String> answers) {}

  /** The metrics over all items. */
  record Report(
      int items,
      int samples,
      double temperature,
      double topP,
      Map<Integer, Double> passAt,
      double consensus,
      double seconds) {

    ObjectNode writeTo(ObjectNode metrics) {
      ObjectNode o = metrics.putObject("sampled");
      o.put("k", samples);
      o.put("temperature", temperature);
      o.put("top_p", topP);
      o.put("items", items);
      passAt.forEach((j, v) -> o.put("pass@" + j, v));
      o.put("cons@" + samples, consensus);
      o.put("seconds", seconds);
      return metrics;
    }
  }

  /**
   * The unbiased pass@j of one item with {@code c} correct among {@code n} samples, in the
   * numerically stable product form 1 − Π_{i=n−c+1}^{n} (1 − j/i).
   */
  static double passAt(int n, int c, int j) {
    if (j < 1 || j > n || c < 0 || c > n) {
      throw new IllegalArgumentException("need 1 <= j <= n and 0 <= c <= n");
    }
    if (n - c < j) {
      return 1.0;
    }
    double missAll = 1.0;
    for (int i = n - c + 1; i <= n; i++) {
      missAll *= 1.0 - (double) j / i;
    }
    return 1.0 - missAll;
  }

  /** Whether the majority answer of one item is a correct one; false when no sample answered. */
  static boolean majorityCorrect(ItemSamples s) {
    Map<String, int[]> votes = new LinkedHashMap<>(); // answer → {count, first index}
    for (int i = 0; i < s.answers().size(); i++) {
      String a = s.answers().get(i);
      if (a != null) {
        votes.computeIfAbsent(a, x -> new int[] {0, -1})[0]++;
      }
    }
    String best = null;
    int bestCount = 0;
    for (Map.Entry<String, int[]> e : votes.entrySet()) {
      if (e.getValue()[0] > bestCount) { // insertion order: the earliest answer wins a tie
        best = e.getKey();
        bestCount = e.getValue()[0];
      }
    }
    if (best == null) {
      return false;
    }
    for (int i = 0; i < s.answers().size(); i++) {
      if (best.equals(s.answers().get(i)) && s.correct().get(i)) {
        return true;
      }
    }
    return false;
  }

  /** The j of pass@j reported for k samples: 1, 2, 4, … up to k, and k itself. */
  static List<Integer> reportedJ(int k) {
    List<Integer> js = new ArrayList<>();
    for (int j = 1; j < k; j *= 2) {
      js.add(j);
    }
    js.add(k);
    return js;
  }

  static Report report(
      List<ItemSamples> items, int k, double temperature, double topP, double seconds) {
    Map<Integer, Double> passAt = new TreeMap<>();
    for (int j : reportedJ(k)) {
      double sum = 0;
      for (ItemSamples s : items) {
        sum += passAt(k, count(s.correct()), j);
      }
      passAt.put(j, sum / items.size());
    }
    int consensus = 0;
    for (ItemSamples s : items) {
      if (majorityCorrect(s)) {
        consensus++;
      }
    }
    return new Report(
        items.size(), k, temperature, topP, passAt, (double) consensus / items.size(), seconds);
  }

  /**
   * One item's samples from their scored results: correct when {@code accuracyRule} is OK with
   * score 1, the answer from its {@code prediction} detail.
   */
  static ItemSamples of(List<ItemResult> results, String accuracyRule) {
    List<Boolean> correct = new ArrayList<>(results.size());
    List<String> answers = new ArrayList<>(results.size());
    for (ItemResult r : results) {
      RuleOutcome o =
          r.rules().stream().filter(x -> x.name().equals(accuracyRule)).findFirst().orElse(null);
      boolean ok =
          o != null && "OK".equals(o.status()) && o.score() != null && o.score() >= 1.0 - 1e-9;
      correct.add(ok);
      Object prediction = o == null || o.details() == null ? null : o.details().get("prediction");
      answers.add(prediction == null ? null : prediction.toString());
    }
    return new ItemSamples(correct, answers);
  }

  private static int count(List<Boolean> flags) {
    int c = 0;
    for (boolean f : flags) {
      if (f) {
        c++;
      }
    }
    return c;
  }
}
