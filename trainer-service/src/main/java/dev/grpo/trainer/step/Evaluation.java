package dev.grpo.trainer.step;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.api.run.RunSpec;
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
 * as not passed. With {@code evaluation.samples} k > 0, also k samples per item at the spec's
 * temperature and top-p, reported as pass@1, pass@j and cons@k ({@link SampledEvaluation}); the
 * samples' seed follows from the run's seed and the step, so an evaluation repeated after a crash
 * samples the same.
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
      double seconds,
      SampledEvaluation.Report sampled) {

    EvalReport withSampled(SampledEvaluation.Report s) {
      return new EvalReport(
          items,
          rewardMean,
          lengthMean,
          rules,
          accuracyRule,
          accuracy,
          formatRate,
          seconds + s.seconds(),
          s);
    }

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
      if (sampled != null) {
        sampled.writeTo(metrics);
      }
      return metrics;
    }
  }

  private final Rollouts rollouts;
  private final GroupScoring scoring;
  private final RunSpec.Evaluation settings;
  private final long runSeed;

  Evaluation(Rollouts rollouts, GroupScoring scoring, RunSpec.Evaluation settings, long runSeed) {
    this.rollouts = rollouts;
    this.scoring = scoring;
    this.settings = settings;
    this.runSeed = runSeed;
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
    EvalReport greedy =
        report(results, (double) length / items.size(), (System.nanoTime() - t0) / 1e9);
    return settings.samples() > 0
        ? greedy.withSampled(sampled(step, version, items, greedy.accuracyRule()))
        : greedy;
  }

  /** k samples per item, scored, as R1 reports them. */
  private SampledEvaluation.Report sampled(
      int step, long version, List<Item> items, String accuracyRule) {
    long t0 = System.nanoTime();
    int k = settings.samples();
    // not a training step's seed: evaluations sample apart from training, the same on a retry
    long seed = runSeed * 1_000_003L + 7919L * (step + 1L);
    RolloutResponse rollout =
        rollouts.sampleAt(step, version, items, k, settings.temperature(), settings.topP(), seed);
    List<ScoreRequest.Item> requests = new ArrayList<>(items.size() * k);
    for (int i = 0; i < items.size(); i++) {
      for (Sample sample : rollout.results().get(i).samples()) {
        requests.add(scoring.request(items.get(i), sample));
      }
    }
    List<ItemResult> results = scoring.scoreAll(requests);
    List<SampledEvaluation.ItemSamples> perItem = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      perItem.add(SampledEvaluation.of(results.subList(i * k, (i + 1) * k), accuracyRule));
    }
    return SampledEvaluation.report(
        perItem, k, settings.temperature(), settings.topP(), (System.nanoTime() - t0) / 1e9);
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
        seconds,
        null);
  }
}
