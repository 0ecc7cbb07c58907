package dev.grpo.trainer.step;

import ai.djl.Device;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.HfTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.data.Datasets;
import dev.grpo.trainer.data.Datasets.Item;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.KlEstimator;
import dev.grpo.trainer.grpo.LossAggregation;
import dev.grpo.trainer.grpo.RewardScaling;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.step.StepRewards.Assembled;
import dev.grpo.trainer.step.StepRewards.RewardFailureException;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.GrpoTrainer;
import dev.grpo.trainer.train.RolloutBatch;
import dev.grpo.trainer.train.SftExample;
import dev.grpo.trainer.train.SftTrainer;
import dev.grpo.trainer.train.StepMetrics;
import dev.grpo.trainer.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Drives one claimed run through the step of ARCHITECTURE §3 until it ends, is paused or cancelled,
 * or this trainer loses its lease:
 *
 * <ol>
 *   <li>start or resume: the newest checkpoint the ledger vouches for, or a fresh policy (with the
 *       cold-start SFT when the spec asks), checkpointed as step 0;
 *   <li>per step: next prompts from the dataset cursor → {@code POST /rollouts} → {@code POST
 *       /score} (refilling groups whose rewards all agree, when dynamic sampling is on) → GRPO
 *       update → publish the weights and {@code POST /policies/sync} → checkpoint every K steps →
 *       step row and meters;
 *   <li>pause and cancel are read at step boundaries; a paused run is checkpointed first, so resume
 *       continues exactly where it stopped.
 * </ol>
 *
 * Every write the services make is idempotent on its natural key and every step is a pure function
 * of (checkpoint, seed, step): a run taken over after a crash redoes the steps after its newest
 * checkpoint, and the rollout service answers those from the ledger instead of sampling again.
 */
final class RunExecution {

  private static final Logger log = LoggerFactory.getLogger(RunExecution.class);

  /** How a drive ended. */
  enum Outcome {
    SUCCEEDED,
    FAILED,
    PAUSED,
    CANCELLED,
    LOST
  }

  /** The collaborators an execution needs. */
  record Context(
      RunLeases leases,
      Datasets datasets,
      StepLedger steps,
      ServiceCalls calls,
      CheckpointLedger checkpoints,
      TrainingMeters meters,
      ObjectMapper mapper,
      Path dataDir,
      int maxStepAttempts,
      int keepPolicyVersions,
      AtomicBoolean stopping) {}

  /** The samples of one prompt with their rewards. */
  private record Group(Item item, int[] promptIds, List<Sample> samples, double[] rewards) {
    boolean degenerate() {
      double first = Double.NaN;
      int finite = 0;
      for (double r : rewards) {
        if (Double.isNaN(r)) {
          continue;
        }
        if (finite > 0 && r != first) {
          return false;
        }
        first = r;
        finite++;
      }
      return true;
    }
  }

  private final UUID runId;
  private final RunSpec spec;
  private final String owner;
  private final Context ctx;
  private final AtomicBoolean leaseLost = new AtomicBoolean();
  private final Path runDir;
  private final Tokenizer tokenizer;

  RunExecution(UUID runId, RunSpec spec, String owner, Context ctx) {
    this.runId = runId;
    this.spec = spec;
    this.owner = owner;
    this.ctx = ctx;
    this.runDir =
        ctx.dataDir().toAbsolutePath().normalize().resolve("runs").resolve(runId.toString());
    this.tokenizer = tokenizerOf(spec.model());
  }

  UUID runId() {
    return runId;
  }

  /** Called by the heartbeat when the lease could not be renewed. */
  void leaseLost() {
    leaseLost.set(true);
  }

  Outcome drive() {
    try {
      return driveSteps();
    } catch (LeaseLostException e) {
      log.warn("run {}: {}", runId, e.getMessage());
      if (ctx.stopping().get()) {
        // shutting down mid-step: hand the run to the next trainer at once; it redoes the step
        ctx.leases().release(runId, owner);
      }
      return Outcome.LOST;
    } catch (RuntimeException e) {
      log.error("run {} failed", runId, e);
      String error = e.getMessage() == null ? e.toString() : e.getMessage();
      if (ctx.leases().finish(runId, owner, "FAILED", error)) {
        return Outcome.FAILED;
      }
      return Outcome.LOST;
    }
  }

  private Outcome driveSteps() {
    ctx.datasets().materialize(runId, Datasets.itemsOf(spec.data(), spec.seed(), ctx.mapper()));
    int trainSize = ctx.datasets().count(runId, "train");
    if (trainSize == 0) {
      throw new IllegalArgumentException("the run's data has no train items");
    }
    try (AdamW optimizer = newOptimizer()) {
      TrainingState state;
      DecoderModel policy;
      var latest = ctx.checkpoints().latest(runId);
      if (latest.isPresent()) {
        policy = latest.get().loadModel(Device.cpu());
        latest.get().restoreOptimizer(optimizer);
        state = latest.get().state();
        log.info("run {} resumes from the checkpoint of step {}", runId, state.step());
      } else {
        policy = initialPolicy();
        ObjectNode coldStart = null;
        if (spec.coldStart().enabled()) {
          coldStart = coldStart(policy);
        }
        state = TrainingState.start(spec.seed());
        checkpoint(policy, optimizer, state);
        if (coldStart != null) {
          evalWithColdStart(policy, coldStart);
        }
      }
      try (policy;
          DecoderModel reference =
              spec.algorithm().beta() != 0
                  ? Checkpointer.open(checkpointDir(0)).loadModel(Device.cpu())
                  : null) {
        long version = state.step() + 1;
        publish(policy, version);
        int done = (int) state.step();
        // a successor redoes the steps after the checkpoint: the run shows where it really is
        if (!ctx.leases().progress(runId, owner, done, version)) {
          throw new LeaseLostException("lost the lease while resuming");
        }
        if (latest.isPresent()
            ? evaluatesAt(done) && !ctx.steps().hasEval(runId, done)
            : done == 0 && !spec.coldStart().enabled()) {
          // a trainer that died in the evaluation at its checkpoint's step left it undone, its
          // greedy completions perhaps stored without rewards; no step after the checkpoint
          // evaluates there again, so the successor does it here
          evaluate(done, version, null);
        }
        GrpoTrainer trainer =
            new GrpoTrainer(
                policy,
                reference,
                optimizer,
                new GrpoTrainer.Options(
                    grpoConfig(),
                    spec.algorithm().muIterations(),
                    spec.rollout().temperature().floatValue()));
        int attempts = 0;
        while (state.step() < spec.schedule().steps()) {
          Outcome boundary = boundary();
          if (boundary != null) {
            if (boundary == Outcome.PAUSED || boundary == Outcome.CANCELLED) {
              if (boundary == Outcome.PAUSED) {
                checkpoint(policy, optimizer, state);
              }
              ctx.leases().release(runId, owner);
              log.info("run {} {} at step {}", runId, boundary.name().toLowerCase(), state.step());
            }
            return boundary;
          }
          try {
            state = step(trainer, policy, optimizer, state);
            attempts = 0;
          } catch (RewardFailureException e) {
            attempts++;
            int s = (int) state.step();
            ObjectNode failed = ctx.mapper().createObjectNode();
            failed.put("error", e.getMessage());
            failed.put("rule", e.rule);
            failed.put("attempt", attempts);
            ctx.steps().finish(runId, s, "FAILED", failed, ctx.mapper().createObjectNode());
            ctx.meters().step(runId, "failed");
            ctx.meters().rewardFailures(runId, e.rule, "fail", 1);
            if (attempts >= ctx.maxStepAttempts()) {
              throw new IllegalStateException(
                  "step %d failed %d times: %s".formatted(s, attempts, e.getMessage()), e);
            }
            log.warn("run {} step {} failed (attempt {}): {}", runId, s, attempts, e.getMessage());
            sleepForRetry(attempts);
          }
        }
      }
      if (ctx.leases().finish(runId, owner, "SUCCEEDED", null)) {
        log.info("run {} succeeded after {} steps", runId, state.step());
        return Outcome.SUCCEEDED;
      }
      return boundaryOr(Outcome.LOST);
    }
  }

  /** Whether the run is evaluated after {@code done} steps: at the start, every K, at the end. */
  private boolean evaluatesAt(int done) {
    int every = spec.schedule().evalEvery();
    return done == 0 || done == spec.schedule().steps() || (every > 0 && done % every == 0);
  }

  /** Null to go on; otherwise why the run stops at this boundary. */
  private Outcome boundary() {
    if (leaseLost.get() || !ctx.leases().holds(runId, owner)) {
      return Outcome.LOST;
    }
    String state = ctx.leases().state(runId);
    return switch (state) {
      case "RUNNING" -> ctx.stopping().get() ? stopForShutdown() : null;
      case "PAUSED" -> Outcome.PAUSED;
      case "CANCELLED" -> Outcome.CANCELLED;
      default -> Outcome.LOST;
    };
  }

  private Outcome stopForShutdown() {
    // the run stays RUNNING without an owner: the next trainer takes it over at once
    ctx.leases().release(runId, owner);
    return Outcome.LOST;
  }

  private Outcome boundaryOr(Outcome fallback) {
    String state = ctx.leases().state(runId);
    return "CANCELLED".equals(state) ? Outcome.CANCELLED : fallback;
  }

  // ---------------------------------------------------------------- one step

  private TrainingState step(
      GrpoTrainer trainer, DecoderModel policy, AdamW optimizer, TrainingState state) {
    int s = (int) state.step();
    long version = state.step() + 1;
    long started = System.nanoTime();
    ctx.steps().begin(runId, s, version);
    Map<String, Double> timings = new LinkedHashMap<>();

    int target = spec.schedule().promptsPerStep();
    boolean dynamic = spec.algorithm().dynamicSampling().enabled();
    int maxRounds = dynamic ? spec.algorithm().dynamicSampling().maxRefillRounds() + 1 : 1;
    List<Group> kept = new ArrayList<>();
    List<Group> degenerate = new ArrayList<>();
    long cursor = state.dataCursor();
    int consumed = 0;
    int sampledGroups = 0;
    int rounds = 0;
    int skipped = 0;
    int zeroed = 0;
    Map<String, double[]> ruleSums = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> ruleFailures = new LinkedHashMap<>();
    Set<String> usedKeys = new HashSet<>();
    while (kept.size() < target && rounds < maxRounds) {
      int need = target - kept.size();
      List<Item> prompts = new ArrayList<>(need);
      int trainSize = ctx.datasets().count(runId, "train");
      int scanned = 0;
      while (prompts.size() < need && scanned < trainSize) {
        // one range read up to the end of the split, then wrap: a round costs one or two queries
        int position = (int) ((cursor + consumed) % trainSize);
        int chunk = Math.min(need - prompts.size(), trainSize - position);
        for (Item item : ctx.datasets().read(runId, "train", position, chunk)) {
          consumed++;
          scanned++;
          if (usedKeys.add(item.key()) && prompts.size() < need) {
            prompts.add(item);
          }
        }
      }
      if (prompts.isEmpty()) {
        break;
      }
      long t0 = System.nanoTime();
      RolloutResponse rollout =
          rollout(s, version, prompts, spec.algorithm().groupSize(), state.seedForStep() + rounds);
      timings.merge("rollout", seconds(t0), Double::sum);
      if (rounds == 0) {
        ctx.steps().phase(runId, s, "SCORING");
      }
      long t1 = System.nanoTime();
      List<Group> groups = score(prompts, rollout);
      timings.merge("scoring", seconds(t1), Double::sum);
      Assembled assembled = lastAssembled;
      skipped += assembled.skipped();
      zeroed += assembled.zeroed();
      assembled
          .rules()
          .forEach(
              (rule, tally) -> {
                double[] acc = ruleSums.computeIfAbsent(rule, k -> new double[2]);
                acc[0] += tally.sum();
                acc[1] += tally.ok();
                tally
                    .failed()
                    .forEach(
                        (status, n) ->
                            ruleFailures
                                .computeIfAbsent(rule, k -> new LinkedHashMap<>())
                                .merge(status, n, Integer::sum));
                if (tally.applied() > 0) {
                  ctx.meters()
                      .rewardFailures(
                          runId, rule, StepRewards.tag(policyOf(rule)), tally.applied());
                }
              });
      sampledGroups += groups.size();
      rounds++;
      for (Group g : groups) {
        if (dynamic && g.degenerate()) {
          degenerate.add(g);
        } else {
          kept.add(g);
        }
      }
    }
    int droppedGroups = degenerate.size();
    // out of refill rounds: fill the batch up with the groups the filter dropped (they carry no
    // advantage, only the KL term), so every step trains on the same number of prompts
    for (int i = 0; kept.size() < target && i < degenerate.size(); i++) {
      kept.add(degenerate.get(i));
    }
    if (kept.isEmpty()) {
      throw new IllegalStateException("step " + s + " has no prompts to train on");
    }

    // -------- the GRPO update
    ctx.steps().phase(runId, s, "TRAINING");
    long t2 = System.nanoTime();
    int g = spec.algorithm().groupSize();
    List<int[]> promptIds = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    double[] rewards = new double[kept.size() * g];
    boolean[] truncated = new boolean[kept.size() * g];
    double lengthSum = 0;
    int lengthMax = 0;
    int truncatedCount = 0;
    for (int i = 0; i < kept.size(); i++) {
      Group group = kept.get(i);
      promptIds.add(group.promptIds());
      for (int k = 0; k < g; k++) {
        Sample sample = group.samples().get(k);
        completions.add(sample.tokenIds());
        rewards[i * g + k] = group.rewards()[k];
        truncated[i * g + k] = "length".equals(sample.finishReason());
        truncatedCount += truncated[i * g + k] ? 1 : 0;
        lengthSum += sample.tokenIds().length;
        lengthMax = Math.max(lengthMax, sample.tokenIds().length);
      }
    }
    StepMetrics m =
        trainer.step(new RolloutBatch(promptIds, g, completions, null, rewards, truncated));
    timings.put("training", seconds(t2));

    // -------- publish the new policy
    ctx.steps().phase(runId, s, "SYNCING");
    long t3 = System.nanoTime();
    TrainingState next = state.advance(consumed);
    long nextVersion = next.step() + 1;
    publish(policy, nextVersion);
    timings.put("sync", seconds(t3));
    int every = spec.schedule().checkpointEvery();
    boolean last = next.step() == spec.schedule().steps();
    Checkpointer.Checkpoint written = null;
    if (last || (every > 0 && next.step() % every == 0)) {
      long t4 = System.nanoTime();
      written = writeCheckpoint(policy, optimizer, next);
      timings.put("checkpoint", seconds(t4));
    }

    // -------- the step's record
    double[] stats = meanStd(rewards);
    int zeroStdGroups = 0;
    for (Group group : kept) {
      zeroStdGroups += group.degenerate() ? 1 : 0;
    }
    ObjectNode metrics = ctx.mapper().createObjectNode();
    // NaN when every completion was skipped: stored as null (JSON has no NaN)
    putFinite(metrics, "reward_mean", stats[0]);
    putFinite(metrics, "reward_std", stats[1]);
    metrics.put("zero_std_fraction", (double) zeroStdGroups / kept.size());
    metrics.put("zero_advantage_fraction", m.zeroAdvantageFraction());
    putFinite(metrics, "kl", m.kl());
    putFinite(metrics, "loss", m.loss());
    putFinite(metrics, "entropy", m.entropy());
    putFinite(metrics, "grad_norm", m.gradNorm());
    metrics.put("learning_rate", m.learningRate());
    metrics.put("clip_ratio_low", m.last().clipRatioLow());
    metrics.put("clip_ratio_high", m.last().clipRatioHigh());
    metrics.put("clip_ratio_region", m.last().clipRatioRegion());
    metrics.put("completion_length_mean", lengthSum / completions.size());
    metrics.put("completion_length_max", lengthMax);
    metrics.put("clipped_ratio", (double) truncatedCount / completions.size());
    metrics.put("completions", completions.size());
    metrics.put("prompts", kept.size());
    metrics.put("prompts_consumed", consumed);
    metrics.put("skipped_completions", skipped);
    metrics.put("zeroed_results", zeroed);
    ObjectNode dyn = metrics.putObject("dynamic_sampling");
    dyn.put("enabled", dynamic);
    dyn.put("groups_sampled", sampledGroups);
    dyn.put("groups_dropped", droppedGroups);
    dyn.put("dropped_fraction", sampledGroups == 0 ? 0 : (double) droppedGroups / sampledGroups);
    dyn.put("rounds", rounds);
    ObjectNode rules = metrics.putObject("rules");
    ruleSums.forEach(
        (rule, acc) -> {
          ObjectNode r = rules.putObject(rule);
          putFinite(r, "mean", acc[1] == 0 ? Double.NaN : acc[0] / acc[1]);
          r.put("ok", (int) acc[1]);
          ObjectNode f = r.putObject("failed");
          ruleFailures.getOrDefault(rule, Map.of()).forEach(f::put);
        });
    timings.put("total", seconds(started));
    ObjectNode timingNode = ctx.mapper().createObjectNode();
    timings.forEach(timingNode::put);
    ctx.steps().finish(runId, s, "DONE", metrics, timingNode);
    if (written != null) {
      // recorded only once the step is DONE: a successor resumes from this checkpoint without
      // redoing the step, so a step row still SYNCING then would stay so for good
      ctx.checkpoints().record(runId, nextVersion, written);
    }
    if (!ctx.leases().progress(runId, owner, (int) next.step(), nextVersion)) {
      throw new LeaseLostException("lost the lease while recording step " + s);
    }
    record(metrics, timings, next, nextVersion);
    log.info(
        "run {} step {}: reward {} ± {}, kl {}, {} s",
        runId,
        s,
        "%.3f".formatted(stats[0]),
        "%.3f".formatted(stats[1]),
        "%.4f".formatted(m.kl()),
        "%.2f".formatted(timings.get("total")));

    int evalEvery = spec.schedule().evalEvery();
    if (last || (evalEvery > 0 && next.step() % evalEvery == 0)) {
      evaluate((int) next.step(), nextVersion, null);
    }
    return next;
  }

  private Assembled lastAssembled;

  private List<Group> score(List<Item> prompts, RolloutResponse rollout) {
    List<ScoreRequest.Item> items = new ArrayList<>();
    List<Sample> flat = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      Item item = prompts.get(i);
      RolloutResponse.PromptSamples ps = rollout.results().get(i);
      if (!ps.itemId().equals(item.key())) {
        throw new IllegalStateException(
            "rollout answered item " + ps.itemId() + " where " + item.key() + " was asked");
      }
      for (Sample sample : ps.samples()) {
        items.add(
            new ScoreRequest.Item(
                Long.toString(sample.completionId()),
                promptText(item),
                sample.text(),
                new ScoreRequest.Reference(item.answer(), null, item.language()),
                sample.tokenIds().length,
                spec.rollout().maxTokens(),
                null,
                sample.completionId(),
                item.key()));
        flat.add(sample);
      }
    }
    List<ItemResult> results = scoreAll(items);
    lastAssembled = StepRewards.assemble(spec.rewards(), results);
    List<Group> groups = new ArrayList<>(prompts.size());
    int offset = 0;
    for (int i = 0; i < prompts.size(); i++) {
      List<Sample> samples = rollout.results().get(i).samples();
      double[] r = new double[samples.size()];
      System.arraycopy(lastAssembled.rewards(), offset, r, 0, samples.size());
      offset += samples.size();
      groups.add(new Group(prompts.get(i), promptIds(prompts.get(i)), samples, r));
    }
    return groups;
  }

  /** Scores in requests of whole groups of at most 1,024 items (the reward service's batch cap). */
  private List<ItemResult> scoreAll(List<ScoreRequest.Item> items) {
    List<ScoreRequest.RuleSpec> rules =
        spec.rewards().stream()
            .map(r -> new ScoreRequest.RuleSpec(r.rule(), r.weight(), r.params()))
            .toList();
    int g = Math.max(1, spec.algorithm().groupSize());
    int chunk = Math.max(g, (1024 / g) * g);
    List<ItemResult> out = new ArrayList<>(items.size());
    for (int from = 0; from < items.size(); from += chunk) {
      List<ScoreRequest.Item> part = items.subList(from, Math.min(items.size(), from + chunk));
      ScoreResponse response =
          ctx.calls()
              .withRetries(
                  "POST /api/v1/score",
                  this::keepGoing,
                  () -> ctx.calls().reward().score(new ScoreRequest(rules, part)));
      if (response.results().size() != part.size()) {
        throw new IllegalStateException(
            "the reward service answered %d results for %d items"
                .formatted(response.results().size(), part.size()));
      }
      out.addAll(response.results());
    }
    return out;
  }

  private RolloutResponse rollout(int step, long version, List<Item> prompts, int n, long seed) {
    List<RolloutRequest.Prompt> ps = new ArrayList<>(prompts.size());
    for (Item item : prompts) {
      ps.add(new RolloutRequest.Prompt(item.key(), null, boxed(promptIds(item))));
    }
    RunSpec.Rollout r = spec.rollout();
    RolloutRequest request =
        new RolloutRequest(
            runId,
            step,
            version,
            ps,
            n,
            new RolloutRequest.Sampling(
                r.temperature(), r.topP(), r.topK(), r.maxTokens(), r.stop(), seed),
            r.backend());
    return rolloutWithSync(request, version);
  }

  private RolloutResponse rolloutWithSync(RolloutRequest request, long version) {
    for (int attempt = 0; ; attempt++) {
      try {
        return ctx.calls()
            .withRetries(
                "POST /api/v1/rollouts",
                this::keepGoing,
                () -> ctx.calls().rollout().rollout(request));
      } catch (ServiceCalls.CallFailedException e) {
        // the rollout service restarted (or another trainer moved it): it does not hold this run's
        // policy; publish it again and retry
        if (e.status == 409 && e.getMessage().contains("policy-version-ahead") && attempt < 3) {
          log.info("run {}: the rollout backend lost policy version {}; syncing", runId, version);
          sync(version, policyDir(version));
          continue;
        }
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- evaluation

  /**
   * Greedy completions for every eval item, scored with the run's rules: accuracy is the mean of
   * {@code math_accuracy} (or the first rule when there is none), format rate the mean of {@code
   * format}.
   */
  private ObjectNode evaluate(int step, long version, ObjectNode extra) {
    List<Item> evalItems = ctx.datasets().all(runId, "eval");
    if (evalItems.isEmpty()) {
      return null;
    }
    long t0 = System.nanoTime();
    List<RolloutRequest.Prompt> ps = new ArrayList<>();
    for (Item item : evalItems) {
      ps.add(new RolloutRequest.Prompt(item.key(), null, boxed(promptIds(item))));
    }
    RunSpec.Rollout r = spec.rollout();
    RolloutResponse rollout =
        rolloutWithSync(
            new RolloutRequest(
                runId,
                step,
                version,
                ps,
                1,
                new RolloutRequest.Sampling(0.0, 1.0, 0, r.maxTokens(), r.stop(), 0L),
                r.backend()),
            version);
    List<ScoreRequest.Item> items = new ArrayList<>();
    double length = 0;
    for (int i = 0; i < evalItems.size(); i++) {
      Item item = evalItems.get(i);
      Sample sample = rollout.results().get(i).samples().get(0);
      length += sample.tokenIds().length;
      items.add(
          new ScoreRequest.Item(
              Long.toString(sample.completionId()),
              promptText(item),
              sample.text(),
              new ScoreRequest.Reference(item.answer(), null, item.language()),
              sample.tokenIds().length,
              r.maxTokens(),
              null,
              sample.completionId(),
              item.key()));
    }
    List<ItemResult> results = scoreAll(items);
    Map<String, double[]> perRule = new LinkedHashMap<>();
    double totalSum = 0;
    int totals = 0;
    for (ItemResult result : results) {
      if (result.total() != null) {
        totalSum += result.total();
        totals++;
      }
      for (ScoreResponse.RuleOutcome o : result.rules()) {
        double[] acc = perRule.computeIfAbsent(o.name(), k -> new double[3]);
        acc[2]++;
        if ("OK".equals(o.status()) && o.score() != null) {
          acc[0] += o.score();
          acc[1]++;
        }
      }
    }
    ObjectNode metrics = extra != null ? extra : ctx.mapper().createObjectNode();
    metrics.put("items", evalItems.size());
    metrics.put("greedy", true);
    putFinite(metrics, "reward_mean", totals == 0 ? Double.NaN : totalSum / totals);
    metrics.put("completion_length_mean", length / evalItems.size());
    ObjectNode rules = metrics.putObject("rules");
    perRule.forEach(
        (rule, acc) -> {
          ObjectNode o = rules.putObject(rule);
          // a rule that could not score an item counts as not passed here: accuracy is over all
          // eval items
          o.put("mean", acc[0] / acc[2]);
          o.put("ok", (int) acc[1]);
        });
    String accuracyRule =
        perRule.containsKey("math_accuracy") ? "math_accuracy" : perRule.keySet().iterator().next();
    double[] acc = perRule.get(accuracyRule);
    metrics.put("accuracy_rule", accuracyRule);
    metrics.put("accuracy", acc[0] / acc[2]);
    if (perRule.containsKey("format")) {
      double[] f = perRule.get("format");
      metrics.put("format_rate", f[0] / f[2]);
    }
    metrics.put("seconds", seconds(t0));
    ctx.steps().recordEval(runId, step, version, metrics);
    ctx.meters().set("grpo.eval.accuracy", runId, metrics.get("accuracy").asDouble());
    if (metrics.has("format_rate")) {
      ctx.meters().set("grpo.eval.format_rate", runId, metrics.get("format_rate").asDouble());
    }
    ctx.meters().phase(runId, "eval", Duration.ofNanos(System.nanoTime() - t0));
    log.info(
        "run {} eval at step {}: accuracy {} over {} held-out items",
        runId,
        step,
        "%.3f".formatted(metrics.get("accuracy").asDouble()),
        evalItems.size());
    return metrics;
  }

  private ObjectNode evalWithColdStart(DecoderModel policy, ObjectNode coldStart) {
    publish(policy, 1);
    ObjectNode metrics = ctx.mapper().createObjectNode();
    metrics.set("cold_start", coldStart);
    ObjectNode evaluated = evaluate(0, 1, metrics);
    if (evaluated == null) {
      ctx.steps().recordEval(runId, 0, 1, metrics);
    }
    return metrics;
  }

  // ---------------------------------------------------------------- model, SFT, weights

  private DecoderModel initialPolicy() {
    RunSpec.Model model = spec.model();
    if (model.path() != null) {
      return DecoderModel.load(Path.of(model.path()), Device.cpu());
    }
    ModelConfig config =
        "small".equals(model.preset())
            ? new ModelConfig(
                "llama",
                256,
                704,
                4,
                8,
                4,
                32,
                CharTokenizer.VOCAB_SIZE,
                1024,
                1e-6,
                10000.0,
                true,
                false,
                false)
            : ModelConfig.tiny();
    return DecoderModel.randomInit(config, spec.seed(), Device.cpu());
  }

  private ObjectNode coldStart(DecoderModel policy) {
    RunSpec.ColdStart cs = spec.coldStart();
    long t0 = System.nanoTime();
    int trainSize = ctx.datasets().count(runId, "train");
    List<Item> source = ctx.datasets().read(runId, "train", 0, Math.min(cs.examples(), trainSize));
    List<SftExample> examples = new ArrayList<>();
    for (int i = 0; i < cs.examples(); i++) {
      Item item = source.get(i % source.size());
      if (item.solution() == null) {
        throw new IllegalArgumentException("item " + item.key() + " has no worked solution");
      }
      examples.add(SftExample.of(tokenizer, promptText(item), item.solution()));
    }
    double loss = Double.NaN;
    long steps;
    try (AdamW sftOptimizer =
        new AdamW(
            new AdamW.Config(cs.learningRate(), 0.9, 0.999, 1e-8, 0.0, 1.0),
            LearningRateSchedule.constant())) {
      SftTrainer sft = new SftTrainer(policy, sftOptimizer);
      for (int epoch = 0; epoch < cs.epochs(); epoch++) {
        for (int from = 0; from < examples.size(); from += cs.batchSize()) {
          loss =
              sft.step(examples.subList(from, Math.min(examples.size(), from + cs.batchSize())))
                  .loss();
          if (!keepGoing()) {
            throw new LeaseLostException("lost the lease during the cold start");
          }
        }
      }
      steps = sftOptimizer.stepCount();
    }
    ObjectNode out = ctx.mapper().createObjectNode();
    out.put("examples", examples.size());
    out.put("epochs", cs.epochs());
    out.put("updates", steps);
    out.put("final_loss", loss);
    out.put("seconds", seconds(t0));
    log.info("run {} cold start: {} updates, final loss {}", runId, steps, loss);
    return out;
  }

  private AdamW newOptimizer() {
    RunSpec.Optimizer o = spec.optimizer();
    long total = spec.schedule().steps() * (long) spec.algorithm().muIterations();
    LearningRateSchedule schedule =
        switch (o.schedule()) {
          case CONSTANT ->
              o.warmupSteps() == 0
                  ? LearningRateSchedule.constant()
                  : LearningRateSchedule.constantWithWarmup(o.warmupSteps());
          case COSINE -> LearningRateSchedule.cosineWithWarmup(o.warmupSteps(), total);
          default -> LearningRateSchedule.linearWithWarmup(o.warmupSteps(), total);
        };
    return new AdamW(
        new AdamW.Config(
            o.learningRate(), o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), o.maxGradNorm()),
        schedule);
  }

  private GrpoConfig grpoConfig() {
    RunSpec.Algorithm a = spec.algorithm();
    GrpoConfig.Builder b =
        GrpoConfig.builder()
            .lossAggregation(LossAggregation.valueOf(a.lossAggregation().name()))
            .rewardScaling(RewardScaling.valueOf(a.rewardScaling().name()))
            .advantageEpsilon(a.advantageEpsilon())
            .epsilonLow(a.epsilonLow())
            .epsilonHigh(a.epsilonHigh())
            .beta(a.beta())
            .klEstimator(KlEstimator.valueOf(a.klEstimator().name()))
            .maskTruncatedCompletions(a.maskTruncated())
            .entropyCoef(a.entropyCoef())
            .maxCompletionLength(spec.rollout().maxTokens());
    if (a.dualClip() != null) {
      b.dualClipC(a.dualClip());
    }
    return b.build();
  }

  /** Writes the weights the rollout service loads for {@code version}, then syncs it. */
  private void publish(DecoderModel policy, long version) {
    Path dir = policyDir(version);
    try {
      if (!Files.isRegularFile(dir.resolve(DecoderModel.WEIGHTS_FILE))) {
        Path tmp = dir.resolveSibling("." + dir.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.createDirectories(tmp.getParent());
        policy.save(tmp);
        if (spec.model().path() != null) {
          Path tok = Path.of(spec.model().path()).resolve("tokenizer.json");
          if (Files.isRegularFile(tok)) {
            Files.copy(tok, tmp.resolve("tokenizer.json"));
          }
        }
        deleteRecursively(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the policy weights to " + dir, e);
    }
    sync(version, dir);
    prunePolicies(version);
  }

  private void sync(long version, Path dir) {
    try {
      ctx.calls()
          .withRetries(
              "POST /api/v1/policies/sync",
              this::keepGoing,
              () ->
                  ctx.calls()
                      .rollout()
                      .sync(
                          new PolicySyncRequest(
                              runId, version, dir.toUri().toString(), spec.rollout().backend())));
    } catch (ServiceCalls.CallFailedException e) {
      if (e.status != 409) {
        throw e;
      }
      // a backend shared by several runs that already moved past this version: rollouts then
      // report the version that sampled them
      log.warn("run {}: sync of policy version {} refused: {}", runId, version, e.getMessage());
    }
  }

  private void prunePolicies(long current) {
    Path root = runDir.resolve("policy");
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path tmp :
          dirs.filter(p -> p.getFileName().toString().matches("\\.v\\d+\\..*\\.tmp")).toList()) {
        // what a trainer killed while writing weights left; this run's publishes are sequential
        deleteRecursively(tmp);
      }
    } catch (IOException e) {
      log.warn("run {}: cannot list {}: {}", runId, root, e.toString());
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d :
          dirs.filter(p -> p.getFileName().toString().matches("v\\d+"))
              .sorted(Comparator.comparingLong(RunExecution::versionOf))
              .toList()) {
        if (versionOf(d) <= current - ctx.keepPolicyVersions()) {
          deleteRecursively(d);
        }
      }
    } catch (IOException e) {
      log.warn("run {}: cannot prune old policy weights: {}", runId, e.toString());
    }
  }

  private static long versionOf(Path dir) {
    return Long.parseLong(dir.getFileName().toString().substring(1));
  }

  /** Writes and records the checkpoint of {@code state} unless the ledger has it already. */
  private void checkpoint(DecoderModel policy, AdamW optimizer, TrainingState state) {
    Checkpointer.Checkpoint written = writeCheckpoint(policy, optimizer, state);
    if (written != null) {
      ctx.checkpoints().record(runId, state.step() + 1, written);
    }
  }

  /**
   * Writes the checkpoint of {@code state} unless the ledger has it already (null then); resuming
   * uses it only once it is recorded.
   */
  private Checkpointer.Checkpoint writeCheckpoint(
      DecoderModel policy, AdamW optimizer, TrainingState state) {
    int step = (int) state.step();
    if (ctx.checkpoints().recorded(runId, step)) {
      return null;
    }
    Path dir = checkpointDir(step);
    // a directory the ledger does not vouch for is what a crash between write and record left
    deleteRecursively(dir);
    return Checkpointer.save(dir, policy, optimizer, state);
  }

  private Path checkpointDir(long step) {
    return runDir.resolve("checkpoints").resolve("step-%06d".formatted(step));
  }

  private Path policyDir(long version) {
    return runDir.resolve("policy").resolve("v" + version);
  }

  // ---------------------------------------------------------------- small things

  /** False when the lease is gone or the trainer shuts down: stop retrying, stop the step. */
  private boolean keepGoing() {
    return !leaseLost.get() && !ctx.stopping().get();
  }

  private RunSpec.Reward ruleSpec(String rule) {
    return spec.rewards().stream().filter(r -> r.rule().equals(rule)).findFirst().orElseThrow();
  }

  private dev.grpo.api.run.RewardFailurePolicy policyOf(String rule) {
    return ruleSpec(rule).onFailure();
  }

  private String promptText(Item item) {
    return spec.data().promptTemplate().replace("{prompt}", item.prompt());
  }

  private int[] promptIds(Item item) {
    int[] text = tokenizer.encode(promptText(item));
    int bos = tokenizer.bosId();
    if (bos < 0) {
      return text;
    }
    int[] out = new int[text.length + 1];
    out[0] = bos;
    System.arraycopy(text, 0, out, 1, text.length);
    return out;
  }

  private void record(
      ObjectNode metrics, Map<String, Double> timings, TrainingState next, long version) {
    TrainingMeters meters = ctx.meters();
    for (String name :
        List.of(
            "reward_mean",
            "reward_std",
            "zero_std_fraction",
            "kl",
            "entropy",
            "loss",
            "grad_norm",
            "learning_rate")) {
      double v = metrics.hasNonNull(name) ? metrics.get(name).asDouble() : Double.NaN;
      String meter =
          switch (name) {
            case "reward_mean" -> "grpo.reward.mean";
            case "reward_std" -> "grpo.reward.std";
            case "zero_std_fraction" -> "grpo.reward.zero_std_fraction";
            case "grad_norm" -> "grpo.grad.norm";
            default -> "grpo." + name;
          };
      meters.set(meter, runId, v);
    }
    meters.set("grpo.clip.ratio", runId, metrics.get("clip_ratio_low").asDouble(), "region", "low");
    meters.set(
        "grpo.clip.ratio", runId, metrics.get("clip_ratio_high").asDouble(), "region", "high");
    meters.set(
        "grpo.clip.ratio", runId, metrics.get("clip_ratio_region").asDouble(), "region", "region");
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
    meters.set(
        "grpo.dynamic_sampling.dropped_fraction",
        runId,
        metrics.get("dynamic_sampling").get("dropped_fraction").asDouble());
    metrics
        .get("rules")
        .properties()
        .forEach(
            e ->
                meters.set(
                    "grpo.reward.rule.mean",
                    runId,
                    e.getValue().hasNonNull("mean")
                        ? e.getValue().get("mean").asDouble()
                        : Double.NaN,
                    "rule",
                    e.getKey()));
    meters.set("grpo.step", runId, next.step());
    meters.set("grpo.policy.version", runId, version);
    timings.forEach(
        (phase, secs) -> meters.phase(runId, phase, Duration.ofNanos((long) (secs * 1e9))));
    meters.step(runId, "done");
  }

  private static double[] meanStd(double[] values) {
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

  private static void putFinite(ObjectNode node, String name, double value) {
    if (Double.isFinite(value)) {
      node.put(name, value);
    } else {
      node.putNull(name);
    }
  }

  private static List<Integer> boxed(int[] ids) {
    List<Integer> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(id);
    }
    return out;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void sleepForRetry(int attempt) {
    try {
      Thread.sleep(Math.min(30_000L, 1_000L << Math.min(attempt, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeaseLostException("interrupted");
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static Tokenizer tokenizerOf(RunSpec.Model model) {
    if (model.path() != null) {
      return HfTokenizer.load(Path.of(model.path()).resolve("tokenizer.json"));
    }
    return new CharTokenizer();
  }
}
