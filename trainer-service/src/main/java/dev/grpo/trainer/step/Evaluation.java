package dev.grpo.trainer.step;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * Held-out evaluation: one greedy completion per eval item, scored with the run's rules. Accuracy
 * is the pass rate of {@code math_accuracy} (or of the first rule when there is none), format rate
 * that of {@code format}; both are over every eval item, so an item a rule could not score counts
 * as not passed.
 */
final class Evaluation {

  /** One rule over the eval items: the mean score over all of them, and how many it scored. */
  record RuleScore(double mean, int ok) {}

  /**
   * What an evaluation found.
   *
   * @param rewardMean mean total reward over the items every rule scored; NaN when none
   * @param rules per rule, in the order the reward service answered them
   * @param formatRate null when the run has no {@code format} rule
   */
  record EvalReport(
      int items,
      double rewardMean,
      double lengthMean,
      Map<String, RuleScore> rules,
      String accuracyRule,
      double accuracy,
      Double formatRate,
      double seconds) {

    /** Writes the report into {@code metrics} (the eval row's JSON). */
    ObjectNode writeTo(ObjectNode metrics) {
      metrics.put("items", items);
      metrics.put("greedy", true);
      StepRecorder.putFinite(metrics, "reward_mean", rewardMean);
      metrics.put("completion_length_mean", lengthMean);
      ObjectNode ruleNode = metrics.putObject("rules");
      rules.forEach(
          (rule, score) -> {
            ObjectNode o = ruleNode.putObject(rule);
            o.put("mean", score.mean());
            o.put("ok", score.ok());
          });
      metrics.put("accuracy_rule", accuracyRule);
      metrics.put("accuracy", accuracy);
      if (formatRate != null) {
        metrics.put("format_rate", formatRate);
      }
      metrics.put("seconds", seconds);
      return metrics;
    }
  }

  private final Rollouts rollouts;
  private final GroupScoring scoring;

  Evaluation(Rollouts rollouts, GroupScoring scoring) {
    this.rollouts = rollouts;
    this.scoring = scoring;
  }

  /** Evaluates the policy of {@code version} (after {@code step} steps) on {@code items}. */
  EvalReport run(int step, long version, List<Item> items) {
    long t0 = System.nanoTime();
    RolloutResponse rollout = rollouts.greedy(step, version, items);
    List<ScoreRequest.Item> requests = new ArrayList<>(items.size());
    long length = 0;
    for (int i = 0; i < items.size(); i++) {
      Sample sample = rollout.results().get(i).samples().get(0);
      length += sample.tokenIds().length;
      requests.add(scoring.request(items.get(i), sample));
    }
    List<ItemResult> results = scoring.scoreAll(requests);
    return report(results, (double) length / items.size(), (System.nanoTime() - t0) / 1e9);
  }

  /** The report over the scored greedy completions of every eval item. */
  static EvalReport report(List<ItemResult> results, double lengthMean, double seconds) {
    Map<String, double[]> perRule = new LinkedHashMap<>();
    double totalSum = 0;
    int totals = 0;
    for (ItemResult result : results) {
      if (result.total() != null) {
        totalSum += result.total();
        totals++;
      }
      for (RuleOutcome o : result.rules()) {
        double[] acc = perRule.computeIfAbsent(o.name(), k -> new double[3]);
        acc[2]++;
        if ("OK".equals(o.status()) && o.score() != null) {
          acc[0] += o.score();
          acc[1]++;
        }
      }
    }
    Map<String, RuleScore> rules = new LinkedHashMap<>();
    perRule.forEach((rule, acc) -> rules.put(rule, new RuleScore(acc[0] / acc[2], (int) acc[1])));
    String accuracyRule =
        rules.containsKey("math_accuracy") ? "math_accuracy" : rules.keySet().iterator().next();
    RuleScore format = rules.get("format");
    return new EvalReport(
        results.size(),
        totals == 0 ? Double.NaN : totalSum / totals,
        lengthMean,
        rules,
        accuracyRule,
        rules.get(accuracyRule).mean(),
        format == null ? null : format.mean(),
        seconds);
  }
}
