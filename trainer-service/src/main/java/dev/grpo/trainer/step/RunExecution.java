package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.run.RunLeases;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.ledger.step.StepState;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.data.Datasets;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.step.ColdStart.ColdStartReport;
import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.step.Evaluation.EvalReport;
import dev.grpo.trainer.step.StepAssembly.StepBatch;
import dev.grpo.trainer.step.StepRewards.RewardFailureException;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.GrpoTrainer;
import dev.grpo.trainer.train.StepMetrics;
import dev.grpo.trainer.train.TrainingState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
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
 *       {@link ColdStart} when the spec asks), checkpointed as step 0;
 *   <li>per step: {@link DynamicSampling} (rollouts and {@link GroupScoring}) → {@link
 *       StepAssembly} → GRPO update → {@link PolicyPublisher} → {@link RunCheckpoints} every K
 *       steps → {@link StepRecorder} → {@link Evaluation} every K steps;
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
      DatasetItems datasets,
      StepLedger steps,
      ServiceCalls calls,
      CheckpointLedger checkpoints,
      TrainingMeters meters,
      ObjectMapper mapper,
      Path dataDir,
      int maxStepAttempts,
      int keepPolicyVersions,
      AtomicBoolean stopping) {}

  /** The policy a drive starts from, and whether it came from a checkpoint. */
  private record Start(DecoderModel policy, TrainingState state, boolean resumed) {}

  /** Where the step loop left the run; {@code stoppedBy} null when every step is done. */
  private record Progress(TrainingState state, Outcome stoppedBy) {}

  private final UUID runId;
  private final RunSpec spec;
  private final String owner;
  private final Context ctx;
  private final AtomicBoolean leaseLost = new AtomicBoolean();
  private final PolicyPublisher publisher;
  private final DynamicSampling sampling;
  private final Evaluation evaluation;
  private final ColdStart coldStart;
  private final RunCheckpoints checkpoints;
  private final StepRecorder recorder;

  RunExecution(UUID runId, RunSpec spec, String owner, Context ctx) {
    this.runId = runId;
    this.spec = spec;
    this.owner = owner;
    this.ctx = ctx;
    RunDirectory dir = RunDirectory.of(ctx.dataDir(), runId);
    PromptEncoder prompts =
        new PromptEncoder(spec.data().promptTemplate(), RunConfigs.tokenizer(spec.model()));
    Path tokenizerDir = spec.model().path() == null ? null : Path.of(spec.model().path());
    this.publisher =
        new PolicyPublisher(
            new PolicyPublisher.Target(
                runId, spec.rollout().backend(), tokenizerDir, dir, ctx.keepPolicyVersions()),
            ctx.calls(),
            this::keepGoing);
    Rollouts rollouts =
        new Rollouts(runId, spec.rollout(), prompts, ctx.calls(), publisher, this::keepGoing);
    GroupScoring scoring = new GroupScoring(spec, prompts, ctx.calls(), this::keepGoing);
    this.sampling = new DynamicSampling(spec, trainPrompts(), rollouts, scoring);
    this.evaluation = new Evaluation(rollouts, scoring);
    this.coldStart = new ColdStart(spec.coldStart(), prompts, this::keepGoing);
    this.checkpoints = new RunCheckpoints(runId, dir, ctx.checkpoints());
    this.recorder = new StepRecorder(runId, spec, ctx.steps(), ctx.meters(), ctx.mapper());
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
      if (ctx.leases().finish(runId, owner, RunState.FAILED, error)) {
        return Outcome.FAILED;
      }
      return Outcome.LOST;
    }
  }

  private Outcome driveSteps() {
    ctx.datasets().materialize(runId, Datasets.itemsOf(spec.data(), spec.seed(), ctx.mapper()));
    if (ctx.datasets().count(runId, DatasetItems.TRAIN) == 0) {
      throw new IllegalArgumentException("the run's data has no train items");
    }
    Progress progress;
    try (AdamW optimizer = RunConfigs.optimizer(spec)) {
      Start start = start(optimizer);
      try (DecoderModel policy = start.policy();
          DecoderModel reference = spec.algorithm().beta() != 0 ? checkpoints.reference() : null) {
        resume(policy, start);
        GrpoTrainer trainer =
            new GrpoTrainer(policy, reference, optimizer, RunConfigs.trainerOptions(spec));
        progress = runSteps(trainer, policy, optimizer, start.state());
      }
    }
    if (progress.stoppedBy() != null) {
      return progress.stoppedBy();
    }
    if (ctx.leases().finish(runId, owner, RunState.SUCCEEDED, null)) {
      log.info("run {} succeeded after {} steps", runId, progress.state().step());
      return Outcome.SUCCEEDED;
    }
    return ctx.leases().state(runId) == RunState.CANCELLED ? Outcome.CANCELLED : Outcome.LOST;
  }

  /** The newest recorded checkpoint, or a fresh policy (cold-started) checkpointed as step 0. */
  private Start start(AdamW optimizer) {
    Optional<Checkpointer.Checkpoint> latest = checkpoints.latest();
    if (latest.isPresent()) {
      DecoderModel policy = latest.get().loadModel(ai.djl.Device.cpu());
      latest.get().restoreOptimizer(optimizer);
      TrainingState state = latest.get().state();
      log.info("run {} resumes from the checkpoint of step {}", runId, state.step());
      return new Start(policy, state, true);
    }
    DecoderModel policy = RunConfigs.initialPolicy(spec);
    try {
      ColdStartReport report = null;
      if (spec.coldStart().enabled()) {
        report = coldStart.train(policy, coldStartSource());
        log.info(
            "run {} cold start: {} updates, final loss {}",
            runId,
            report.updates(),
            report.finalLoss());
      }
      TrainingState state = TrainingState.start(spec.seed());
      checkpoints.save(policy, optimizer, state);
      if (report != null) {
        evaluateColdStart(policy, report);
      }
      return new Start(policy, state, false);
    } catch (RuntimeException e) {
      policy.close();
      throw e;
    }
  }

  private List<Item> coldStartSource() {
    int trainSize = ctx.datasets().count(runId, DatasetItems.TRAIN);
    return ctx.datasets()
        .read(runId, DatasetItems.TRAIN, 0, Math.min(spec.coldStart().examples(), trainSize));
  }

  /** Publishes the starting policy, shows the run where it really is, and catches up an eval. */
  private void resume(DecoderModel policy, Start start) {
    long version = start.state().step() + 1;
    publisher.publish(policy, version);
    int done = (int) start.state().step();
    // a successor redoes the steps after the checkpoint: the run shows where it really is
    if (!ctx.leases().progress(runId, owner, done, version)) {
      throw new LeaseLostException("lost the lease while resuming");
    }
    if (start.resumed()
        ? evaluatesAt(done) && !ctx.steps().hasEval(runId, done)
        : done == 0 && !spec.coldStart().enabled()) {
      // a trainer that died in the evaluation at its checkpoint's step left it undone, its
      // greedy completions perhaps stored without rewards; no step after the checkpoint
      // evaluates there again, so the successor does it here
      evaluate(done, version, ctx.mapper().createObjectNode());
    }
  }

  private Progress runSteps(
      GrpoTrainer trainer, DecoderModel policy, AdamW optimizer, TrainingState from) {
    TrainingState state = from;
    int attempts = 0;
    while (state.step() < spec.schedule().steps()) {
      Outcome boundary = boundary();
      if (boundary != null) {
        stopAt(boundary, policy, optimizer, state);
        return new Progress(state, boundary);
      }
      try {
        state = step(trainer, policy, optimizer, state);
        attempts = 0;
      } catch (RewardFailureException e) {
        attempts++;
        int s = (int) state.step();
        recorder.failed(s, e, attempts);
        if (attempts >= ctx.maxStepAttempts()) {
          throw new IllegalStateException(
              "step %d failed %d times: %s".formatted(s, attempts, e.getMessage()), e);
        }
        log.warn("run {} step {} failed (attempt {}): {}", runId, s, attempts, e.getMessage());
        sleepForRetry(attempts);
      }
    }
    return new Progress(state, null);
  }

  private void stopAt(Outcome boundary, DecoderModel policy, AdamW optimizer, TrainingState state) {
    if (boundary != Outcome.PAUSED && boundary != Outcome.CANCELLED) {
      return;
    }
    if (boundary == Outcome.PAUSED) {
      checkpoints.save(policy, optimizer, state);
    }
    ctx.leases().release(runId, owner);
    log.info("run {} {} at step {}", runId, boundary.name().toLowerCase(), state.step());
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
    return switch (ctx.leases().state(runId)) {
      case RUNNING -> ctx.stopping().get() ? stopForShutdown() : null;
      case PAUSED -> Outcome.PAUSED;
      case CANCELLED -> Outcome.CANCELLED;
      case QUEUED, SUCCEEDED, FAILED -> Outcome.LOST;
    };
  }

  private Outcome stopForShutdown() {
    // the run stays RUNNING without an owner: the next trainer takes it over at once
    ctx.leases().release(runId, owner);
    return Outcome.LOST;
  }

  /** One GRPO step: sample, assemble, update, publish, checkpoint, record, evaluate. */
  private TrainingState step(
      GrpoTrainer trainer, DecoderModel policy, AdamW optimizer, TrainingState state) {
    int s = (int) state.step();
    long started = System.nanoTime();
    ctx.steps().begin(runId, s, state.step() + 1);
    SampledGroups sampled =
        sampling.sample(
            s, state.step() + 1, state, () -> ctx.steps().phase(runId, s, StepState.SCORING));
    recorder.rewardFailures(sampled.rules());
    Map<String, Double> timings = new LinkedHashMap<>();
    timings.put("rollout", sampled.rolloutSeconds());
    timings.put("scoring", sampled.scoringSeconds());

    ctx.steps().phase(runId, s, StepState.TRAINING);
    long t2 = System.nanoTime();
    StepBatch batch = StepAssembly.assemble(sampled.kept(), spec.algorithm().groupSize());
    StepMetrics m = trainer.step(batch.batch());
    timings.put("training", seconds(t2));

    ctx.steps().phase(runId, s, StepState.SYNCING);
    long t3 = System.nanoTime();
    TrainingState next = state.advance(sampled.consumed());
    long nextVersion = next.step() + 1;
    publisher.publish(policy, nextVersion);
    timings.put("sync", seconds(t3));
    Optional<Checkpointer.Checkpoint> written = Optional.empty();
    if (due(next, spec.schedule().checkpointEvery())) {
      long t4 = System.nanoTime();
      written = checkpoints.writeUnrecorded(policy, optimizer, next);
      timings.put("checkpoint", seconds(t4));
    }

    ObjectNode metrics = StepRecorder.metrics(ctx.mapper(), sampled, batch, m, sampling.enabled());
    timings.put("total", seconds(started));
    recorder.done(s, metrics, timings);
    // recorded only once the step is DONE: a successor resumes from this checkpoint without
    // redoing the step, so a step row still SYNCING then would stay so for good
    written.ifPresent(w -> checkpoints.record(nextVersion, w));
    if (!ctx.leases().progress(runId, owner, (int) next.step(), nextVersion)) {
      throw new LeaseLostException("lost the lease while recording step " + s);
    }
    recorder.meters(metrics, timings, next.step(), nextVersion);
    logStep(s, batch, m, timings.get("total"));
    if (due(next, spec.schedule().evalEvery())) {
      evaluate((int) next.step(), nextVersion, ctx.mapper().createObjectNode());
    }
    return next;
  }

  /** Whether a thing done every {@code every} steps (and after the last) is due at {@code next}. */
  private boolean due(TrainingState next, int every) {
    return next.step() == spec.schedule().steps() || (every > 0 && next.step() % every == 0);
  }

  private void logStep(int s, StepBatch batch, StepMetrics m, double seconds) {
    double[] stats = StepRecorder.meanStd(batch.rewards());
    log.info(
        "run {} step {}: reward {} ± {}, kl {}, {} s",
        runId,
        s,
        "%.3f".formatted(stats[0]),
        "%.3f".formatted(stats[1]),
        "%.4f".formatted(m.kl()),
        "%.2f".formatted(seconds));
  }

  /**
   * Evaluates on the eval split and records it, {@code metrics} being the row; false when the run
   * has no eval split.
   */
  private boolean evaluate(int step, long version, ObjectNode metrics) {
    List<Item> items = ctx.datasets().all(runId, DatasetItems.EVAL);
    if (items.isEmpty()) {
      return false;
    }
    EvalReport report = evaluation.run(step, version, items);
    recorder.eval(
        step, version, report.writeTo(metrics), Duration.ofNanos((long) (report.seconds() * 1e9)));
    log.info(
        "run {} eval at step {}: accuracy {} over {} held-out items",
        runId,
        step,
        "%.3f".formatted(report.accuracy()),
        report.items());
    return true;
  }

  /** The evaluation of step 0 after a cold start, with the cold start's report beside it. */
  private void evaluateColdStart(DecoderModel policy, ColdStartReport report) {
    publisher.publish(policy, 1);
    ObjectNode metrics = ctx.mapper().createObjectNode();
    metrics.set("cold_start", report.writeTo(ctx.mapper().createObjectNode()));
    if (!evaluate(0, 1, metrics)) {
      recorder.eval(0, 1, metrics, null);
    }
  }

  private DynamicSampling.TrainPrompts trainPrompts() {
    return new DynamicSampling.TrainPrompts() {
      @Override
      public int size() {
        return ctx.datasets().count(runId, DatasetItems.TRAIN);
      }

      @Override
      public List<Item> read(int from, int count) {
        return ctx.datasets().read(runId, DatasetItems.TRAIN, from, count);
      }
    };
  }

  /** False when the lease is gone or the trainer shuts down: stop retrying, stop the step. */
  private boolean keepGoing() {
    return !leaseLost.get() && !ctx.stopping().get();
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
}
