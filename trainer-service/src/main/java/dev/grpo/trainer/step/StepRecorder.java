package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.ledger.step.StepState;
import dev.grpo.trainer.grpo.RolloutMismatch;
import dev.grpo.trainer.ppo.PpoMetrics;
import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.step.StepAssembly.StepBatch;
import dev.grpo.trainer.step.StepRewards.RewardFailureException;
import dev.grpo.trainer.step.StepRewards.RuleTally;
import dev.grpo.trainer.train.StepMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Records what a step did: its metrics as the step row's JSON (the names the API and dashboards
 * read), the row itself, and the training meters. Metrics a step could not measure (every
 * completion skipped, KL with β = 0) are stored as null, since JSON has no NaN.
 */
final class StepRecorder {

  /** The step row's metric names and the gauges that mirror them. */
  private static final Map<String, String> GAUGES =
      orderedMap(
          "reward_mean", "grpo.reward.mean",
          "reward_std", "grpo.reward.std",
          "zero_std_fraction", "grpo.reward.zero_std_fraction",
          "kl", "grpo.kl",
          "entropy", "grpo.entropy",
          "loss", "grpo.loss",
          "grad_norm", "grpo.grad.norm",
          "learning_rate", "grpo.learning_rate");

  private final UUID runId;
  private final RunSpec spec;
  private final StepLedger steps;
  private final TrainingMeters meters;
  private final ObjectMapper mapper;

  StepRecorder(
      UUID runId, RunSpec spec, StepLedger steps, TrainingMeters meters, ObjectMapper mapper) {
    this.runId = runId;
    this.spec = spec;
    this.steps = steps;
    this.meters = meters;
    this.mapper = mapper;
  }

  /** The step row's metrics. */
  /**
   * The step's {@code rollout_async} object: the staleness its kept groups were trained at (mean,
   * max and a count per number of versions), the groups dropped as staler than {@code
   * maxStaleness}, and the trainer's and the rollouts' idle shares of the wall time so far.
   */
  static void putAsync(
      ObjectNode metrics,
      SampledGroups sampled,
      RolloutPipeline.Utilisation utilisation,
      int maxStaleness) {
    ObjectNode async = metrics.putObject("rollout_async");
    async.put("max_staleness", maxStaleness);
    int[] staleness = sampled.staleness();
    int max = 0;
    double sum = 0;
    int[] counts = new int[maxStaleness + 1];
    for (int v : staleness) {
      max = Math.max(max, v);
      sum += v;
      // a backend ahead of the trainer (it cannot be, but a count must not throw) reads as fresh
      counts[Math.max(0, Math.min(v, maxStaleness))]++;
    }
    async.put("staleness_mean", staleness.length == 0 ? 0 : sum / staleness.length);
    async.put("staleness_max", max);
    ArrayNode perVersion = async.putArray("staleness_counts");
    for (int c : counts) {
      perVersion.add(c);
    }
    async.put("stale_groups_dropped", sampled.groupsStale());
    async.put("trainer_idle_ratio", utilisation.trainerIdleRatio());
    async.put("rollout_idle_ratio", utilisation.rolloutIdleRatio());
  }

  static ObjectNode metrics(
      ObjectMapper mapper, SampledGroups sampled, StepBatch batch, StepMetrics m, boolean dynamic) {
    double[] stats = meanStd(batch.rewards());
    ObjectNode metrics = mapper.createObjectNode();
    putFinite(metrics, "reward_mean", stats[0]);
    putFinite(metrics, "reward_std", stats[1]);
    metrics.put("zero_std_fraction", batch.zeroStdFraction());
    metrics.put("zero_advantage_fraction", m.zeroAdvantageFraction());
    putFinite(metrics, "kl", m.kl());
    putFinite(metrics, "loss", m.loss());
    putFinite(metrics, "entropy", m.entropy());
    putFinite(metrics, "grad_norm", m.gradNorm());
    metrics.put("learning_rate", m.learningRate());
    metrics.put("clip_ratio_low", m.last().clipRatioLow());
    metrics.put("clip_ratio_high", m.last().clipRatioHigh());
    metrics.put("clip_ratio_region", m.last().clipRatioRegion());
    putMismatch(metrics, m.mismatch());
    putPpo(metrics, m.ppo());
    metrics.put("completion_length_mean", batch.lengthMean());
    metrics.put("completion_length_max", batch.lengthMax());
    metrics.put("clipped_ratio", batch.clippedRatio());
    metrics.put("completions", batch.completions());
    metrics.put("prompts", batch.prompts());
    metrics.put("prompts_consumed", sampled.consumed());
    metrics.put("skipped_completions", sampled.skipped());
    metrics.put("zeroed_results", sampled.zeroed());
    ObjectNode dyn = metrics.putObject("dynamic_sampling");
    dyn.put("enabled", dynamic);
    dyn.put("groups_sampled", sampled.groupsSampled());
    dyn.put("groups_dropped", sampled.groupsDropped());
    dyn.put(
        "dropped_fraction",
        sampled.groupsSampled() == 0
            ? 0
            : (double) sampled.groupsDropped() / sampled.groupsSampled());
    dyn.put("rounds", sampled.rounds());
    ObjectNode rules = metrics.putObject("rules");
    sampled
        .rules()
        .forEach(
            (rule, tally) -> {
              ObjectNode r = rules.putObject(rule);
              putFinite(r, "mean", tally.mean());
              r.put("ok", tally.ok());
              ObjectNode failed = r.putObject("failed");
              tally.failed().forEach(failed::put);
            });
    return metrics;
  }

  /**
   * PPO's critic (verl's {@code critic/*}), an object {@code ppo} only on PPO steps: the value loss
   * and clip fraction of the last critic update, the explained variance of the values at rollout
   * time for the returns, the mean value and return, the critic's gradient norm.
   */
  private static void putPpo(ObjectNode metrics, PpoMetrics ppo) {
    if (ppo == null) {
      return;
    }
    ObjectNode node = metrics.putObject("ppo");
    putFinite(node, "value_loss", ppo.valueLoss());
    putFinite(node, "value_clip_fraction", ppo.valueClipFraction());
    putFinite(node, "explained_variance", ppo.explainedVariance());
    putFinite(node, "value_mean", ppo.valueMean());
    putFinite(node, "return_mean", ppo.returnMean());
    putFinite(node, "value_grad_norm", ppo.valueGradNorm());
  }

  /**
   * The rollout/trainer mismatch (null values when the rollout brought no log-probs): the k1 and k3
   * KL estimates, the ratio π_old/π_rollout's mean and max, the share of tokens a correction
   * masked.
   */
  private static void putMismatch(ObjectNode metrics, RolloutMismatch mismatch) {
    putFinite(metrics, "mismatch_kl", mismatch == null ? Double.NaN : mismatch.klK1());
    putFinite(metrics, "mismatch_kl_k3", mismatch == null ? Double.NaN : mismatch.klK3());
    putFinite(
        metrics,
        "mismatch_is_weight_mean",
        mismatch == null ? Double.NaN : mismatch.isWeightMean());
    putFinite(
        metrics, "mismatch_is_weight_max", mismatch == null ? Double.NaN : mismatch.isWeightMax());
    putFinite(
        metrics,
        "mismatch_masked_fraction",
        mismatch == null ? Double.NaN : mismatch.maskedFraction());
  }

  /** The step is DONE: its row gets the metrics and phase timings. */
  void done(int step, ObjectNode metrics, Map<String, Double> timings) {
    ObjectNode timingNode = mapper.createObjectNode();
    timings.forEach(timingNode::put);
    steps.finish(runId, step, StepState.DONE, metrics, timingNode);
  }

  /** The step failed on a rule whose policy is {@code fail}; it is retried. */
  void failed(int step, RewardFailureException e, int attempt) {
    ObjectNode failed = mapper.createObjectNode();
    failed.put("error", e.getMessage());
    failed.put("rule", e.rule);
    failed.put("attempt", attempt);
    steps.finish(runId, step, StepState.FAILED, failed, mapper.createObjectNode());
    meters.step(runId, "failed");
    meters.rewardFailures(runId, e.rule, "fail", 1);
  }

  /** Counts the failure-policy applications (skip, zero) of a step's rules. */
  void rewardFailures(Map<String, RuleTally> rules) {
    rules.forEach(
        (rule, tally) -> {
          if (tally.applied() > 0) {
            meters.rewardFailures(runId, rule, StepRewards.tag(policyOf(rule)), tally.applied());
          }
        });
  }

  /** Sets the gauges and timers of a done step. */
  void meters(ObjectNode metrics, Map<String, Double> timings, long step, long version) {
    GAUGES.forEach(
        (name, meter) ->
            meters.set(
                meter,
                runId,
                metrics.hasNonNull(name) ? metrics.get(name).asDouble() : Double.NaN));
    for (String region : List.of("low", "high", "region")) {
      meters.set(
          "grpo.clip.ratio",
          runId,
          metrics.get("clip_ratio_" + region).asDouble(),
          "region",
          region);
    }
    meters.set(
        "grpo.completion.length",
        runId,
        metrics.get("completion_length_mean").asDouble(),
        "stat",
        "mean");
    meters.set(
        "grpo.completion.length",
        runId,
        metrics.get("completion_length_max").asDouble(),
        "stat",
        "max");
    meters.set("grpo.completion.clipped_ratio", runId, metrics.get("clipped_ratio").asDouble());
    if (metrics.has("ppo")) {
      JsonNode ppo = metrics.get("ppo");
      meters.set("grpo.ppo.value_loss", runId, number(ppo, "value_loss"));
      meters.set("grpo.ppo.value_clip_fraction", runId, number(ppo, "value_clip_fraction"));
      meters.set("grpo.ppo.explained_variance", runId, number(ppo, "explained_variance"));
    }
    meters.set("grpo.mismatch.kl", runId, number(metrics, "mismatch_kl"), "estimator", "k1");
    meters.set("grpo.mismatch.kl", runId, number(metrics, "mismatch_kl_k3"), "estimator", "k3");
    meters.set(
        "grpo.mismatch.is_weight",
        runId,
        number(metrics, "mismatch_is_weight_mean"),
        "stat",
        "mean");
    meters.set(
        "grpo.mismatch.is_weight", runId, number(metrics, "mismatch_is_weight_max"), "stat", "max");
    meters.set("grpo.mismatch.masked_fraction", runId, number(metrics, "mismatch_masked_fraction"));
    meters.set(
        "grpo.dynamic_sampling.dropped_fraction",
        runId,
        metrics.get("dynamic_sampling").get("dropped_fraction").asDouble());
    metrics
        .get("rules")
        .properties()
        .forEach(
            e -> {
              var mean = e.getValue().get("mean");
              double value = mean != null && !mean.isNull() ? mean.asDouble() : Double.NaN;
              meters.set("grpo.reward.rule.mean", runId, value, "rule", e.getKey());
            });
    JsonNode async = metrics.get("rollout_async");
    if (async != null) {
      meters.set("grpo.trainer.idle_ratio", runId, async.get("trainer_idle_ratio").asDouble());
      meters.set("grpo.rollout.idle_ratio", runId, async.get("rollout_idle_ratio").asDouble());
      JsonNode counts = async.get("staleness_counts");
      int[] groupsByVersions = new int[counts.size()];
      for (int versions = 0; versions < groupsByVersions.length; versions++) {
        groupsByVersions[versions] = counts.get(versions).asInt();
      }
      meters.staleness(runId, groupsByVersions, async.get("stale_groups_dropped").asInt());
    }
    meters.set("grpo.step", runId, step);
    meters.set("grpo.policy.version", runId, version);
    timings.forEach(
        (phase, secs) -> meters.phase(runId, phase, Duration.ofNanos((long) (secs * 1e9))));
    meters.step(runId, "done");
    meters.progressed(runId, Instant.now());
  }

  /** Records an evaluation: its row and the eval gauges. */
  void eval(int step, long version, ObjectNode metrics, Duration took) {
    steps.recordEval(runId, step, version, metrics);
    if (metrics.has("accuracy")) {
      meters.set("grpo.eval.accuracy", runId, metrics.get("accuracy").asDouble());
    }
    if (metrics.has("format_rate")) {
      meters.set("grpo.eval.format_rate", runId, metrics.get("format_rate").asDouble());
    }
    if (took != null) {
      meters.phase(runId, "eval", took);
    }
    meters.progressed(runId, Instant.now());
  }

  private dev.grpo.api.run.RewardFailurePolicy policyOf(String rule) {
    return spec.rewards().stream()
        .filter(r -> r.rule().equals(rule))
        .findFirst()
        .orElseThrow()
        .onFailure();
  }

  /** Mean and population standard deviation over the values that are not NaN. */
  static double[] meanStd(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double mean = sum / n;
    double sq = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sq += (v - mean) * (v - mean);
      }
    }
    return new double[] {mean, Math.sqrt(sq / n)};
  }

  /** A metric of the row, NaN when it is null or absent. */
  private static double number(JsonNode metrics, String name) {
    return metrics.hasNonNull(name) ? metrics.get(name).asDouble() : Double.NaN;
  }

  static void putFinite(ObjectNode node, String name, double value) {
    if (Double.isFinite(value)) {
      node.put(name, value);
    } else {
      node.putNull(name);
    }
  }

  private static Map<String, String> orderedMap(String... pairs) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(out);
  }
}
