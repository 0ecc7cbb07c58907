package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.dataset.LedgerDatasets;
import dev.grpo.ledger.run.RunLeases;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.ledger.step.StepState;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.data.Datasets;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.step.Evaluation.EvalReport;
import dev.grpo.trainer.step.RunStart.Start;
import dev.grpo.trainer.step.StepAssembly.StepBatch;
import dev.grpo.trainer.step.StepRewards.RewardFailureException;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.Critic;
import dev.grpo.trainer.train.GrpoTrainer;
import dev.grpo.trainer.train.StepMetrics;
import dev.grpo.trainer.train.TrainingState;
import dev.grpo.web.Correlation;
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
 * or this trainer loses its lease. It only composes the parts that do the work:
 *
 * <ol>
 *   <li>{@link RunStart}: the newest checkpoint, or a fresh policy (with the {@link ColdStart} when
 *       the spec asks) checkpointed as step 0;
 *   <li>per step: {@link RolloutPipeline} ({@link DynamicSampling}: rollouts and {@link
 *       GroupScoring}; with {@code rollout.maxStaleness} s &gt; 0 the next s steps are sampled
 *       while this one trains) → {@link StepAssembly} → GRPO update → {@link PolicyPublisher} →
 *       {@link RunCheckpoints} every K steps → {@link StepRecorder} → {@link Evaluation} every K
 *       steps;
 *   <li>{@link RunLease}: pause and cancel are read at step boundaries; a paused run is
 *       checkpointed first, so resume continues exactly where it stopped.
 * </ol>
 *
 * Every write the services make is idempotent on its natural key and every step is a pure function
 * of (checkpoint, seed, step): a run taken over after a crash redoes the steps after its newest
 * checkpoint, and the rollout service answers those from the ledger instead of sampling again.
 */
final class RunExecution implements LeasedExecution {

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
      AtomicBoolean stopping,
      LedgerDatasets ledgerDatasets) {}

  /** Where the step loop left the run; {@code stoppedBy} null when every step is done. */
  private record Progress(TrainingState state, Outcome stoppedBy) {}

  private final UUID runId;
  private final RunSpec spec;
  private final Context ctx;
  private final RunLease lease;
  private final PolicyPublisher publisher;
  private final RolloutPipeline pipeline;
  private final Evaluation evaluation;
  private final RunCheckpoints checkpoints;
  private final StepRecorder recorder;
  private final RunStart start;

  RunExecution(UUID runId, RunSpec spec, String owner, Context ctx) {
    this.runId = runId;
    this.spec = spec;
    this.ctx = ctx;
    this.lease = new RunLease(runId, owner, ctx.leases(), ctx.stopping());
    RunDirectory dir = RunDirectory.of(ctx.dataDir(), runId);
    PromptEncoder prompts = RunConfigs.prompts(spec, RunConfigs.tokenizer(spec.model()));
    Path tokenizerDir = spec.model().path() == null ? null : Path.of(spec.model().path());
    LoraBase loraBase = LoraBase.of(spec, dir);
    this.publisher =
        new PolicyPublisher(
            new PolicyPublisher.Target(
                runId,
                spec.rollout().backend(),
                tokenizerDir,
                dir,
                ctx.keepPolicyVersions(),
                loraBase),
            ctx.calls(),
            lease::keepGoing);
    Rollouts rollouts =
        new Rollouts(runId, spec.rollout(), prompts, ctx.calls(), publisher, lease::keepGoing);
    GroupScoring scoring = new GroupScoring(spec, prompts, ctx.calls(), lease::keepGoing);
    this.pipeline =
        new RolloutPipeline(
            runId,
            new DynamicSampling(spec, trainPrompts(), rollouts, scoring),
            spec.rollout().maxStaleness(),
            spec.schedule().steps());
    this.evaluation = new Evaluation(rollouts, scoring, spec.evaluation(), spec.seed());
    this.checkpoints = new RunCheckpoints(runId, dir, ctx.checkpoints(), tokenizerDir, loraBase);
    this.recorder = new StepRecorder(runId, spec, ctx.steps(), ctx.meters(), ctx.mapper());
    ColdStart coldStart = new ColdStart(spec.coldStart(), prompts, lease::keepGoing);
    this.start =
        new RunStart(
            runId,
            spec,
            lease,
            ctx,
            new RunStart.Parts(checkpoints, coldStart, publisher, this::evaluate, recorder));
  }

  @Override
  public UUID runId() {
    return runId;
  }

  @Override
  public void leaseLost() {
    lease.lost();
  }

  @Override
  public Outcome drive() {
    try (pipeline) {
      return driveSteps();
    } catch (RuntimeException e) {
      return lease.endedBy(e, runId, log);
    }
  }

  private Outcome driveSteps() {
    ctx.datasets().materialize(runId, Datasets.itemsOf(spec.data(), spec.seed(), ctx.mapper()));
    if (ctx.datasets().count(runId, DatasetItems.TRAIN) == 0) {
      throw new IllegalArgumentException("the run's data has no train items");
    }
    Progress progress;
    try (AdamW optimizer = RunConfigs.optimizer(spec)) {
      Start begun = start.begin(optimizer);
      try (DecoderModel policy = begun.policy();
          DecoderModel reference = reference(policy);
          Critic critic = RunConfigs.critic(spec, policy)) {
        if (critic != null) {
          checkpoints.restoreCritic(critic);
          checkpoints.useCritic(critic);
        }
        start.resume(policy, begun);
        GrpoTrainer trainer =
            new GrpoTrainer(policy, reference, optimizer, RunConfigs.trainerOptions(spec), critic);
        progress = runSteps(trainer, policy, optimizer, begun.state());
      }
    }
    if (progress.stoppedBy() != null) {
      return progress.stoppedBy();
    }
    if (lease.finish(RunState.SUCCEEDED, null)) {
      log.info("run {} succeeded after {} steps", runId, progress.state().step());
      return Outcome.SUCCEEDED;
    }
    return lease.cancelled() ? Outcome.CANCELLED : Outcome.LOST;
  }

  /**
   * The KL reference: none at β = 0; a LoRA run's frozen base (a view on the policy's own base
   * weights, no copy); else the checkpointed reference.
   */
  private DecoderModel reference(DecoderModel policy) {
    if (spec.algorithm().beta() == 0) {
      return null;
    }
    return policy.adapters() != null ? policy.baseView() : checkpoints.reference();
  }

  private Progress runSteps(
      GrpoTrainer trainer, DecoderModel policy, AdamW optimizer, TrainingState from) {
    TrainingState state = from;
    int attempts = 0;
    while (state.step() < spec.schedule().steps()) {
      Outcome boundary = lease.atBoundary();
      if (boundary != null) {
        stopAt(boundary, policy, optimizer, state, trainer.syncedReference());
        return new Progress(state, boundary);
      }
      try (var logged = Correlation.step(state.step())) {
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

  private void stopAt(
      Outcome boundary,
      DecoderModel policy,
      AdamW optimizer,
      TrainingState state,
      DecoderModel movingReference) {
    if (boundary != Outcome.PAUSED && boundary != Outcome.CANCELLED) {
      return;
    }
    if (boundary == Outcome.PAUSED) {
      checkpoints.save(policy, optimizer, state, movingReference);
    }
    lease.release();
    log.info("run {} {} at step {}", runId, boundary.name().toLowerCase(), state.step());
  }

  /** One GRPO step: sample, assemble, update, publish, checkpoint, record, evaluate. */
  private TrainingState step(
      GrpoTrainer trainer, DecoderModel policy, AdamW optimizer, TrainingState state) {
    int s = (int) state.step();
    long started = System.nanoTime();
    ctx.steps().begin(runId, s, state.step() + 1);
    SampledGroups sampled =
        pipeline.take(state, () -> ctx.steps().phase(runId, s, StepState.SCORING));
    recorder.rewardFailures(sampled.rules());
    Map<String, Double> timings = new LinkedHashMap<>();
    timings.put("rollout", sampled.rolloutSeconds());
    timings.put("scoring", sampled.scoringSeconds());

    ctx.steps().phase(runId, s, StepState.TRAINING);
    long t2 = System.nanoTime();
    StepBatch batch = StepAssembly.assemble(sampled.kept(), spec.algorithm().groupSize());
    boolean windowed = ProcessMemory.resetPeak();
    double rssBefore = ProcessMemory.currentBytes();
    StepMetrics m = trainer.step(batch.batch());
    double peakBytes = ProcessMemory.peakBytes();
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
      written = checkpoints.writeUnrecorded(policy, optimizer, next, trainer.syncedReference());
      timings.put("checkpoint", seconds(t4));
    }

    ObjectNode metrics =
        StepRecorder.metrics(ctx.mapper(), sampled, batch, m, pipeline.dynamicSampling());
    // in the synchronous loop too: its idle ratios are what a staleness bound would win back
    StepRecorder.putAsync(metrics, sampled, pipeline.utilisation(), spec.rollout().maxStaleness());
    // what the step cost the policy, summed over a pipeline stage's steps (ComputeTally)
    ComputeTally.ofGrpoStep(
            batch.batch(), spec.algorithm().muIterations(), spec.algorithm().beta() != 0)
        .writeTo(metrics.putObject("compute"));
    // what the training phase held: the process's peak, and the policy's (and critic's) weights
    // with their AdamW moments
    ObjectNode memory = metrics.putObject("memory");
    StepRecorder.putFinite(memory, "training_peak_rss_bytes", peakBytes);
    // the growth the training phase itself needed (activations, gradients, temporaries): only
    // meaningful when the peak window started with the phase
    StepRecorder.putFinite(
        memory, "training_peak_growth_bytes", windowed ? peakBytes - rssBefore : Double.NaN);
    memory.put("parameter_optimizer_bytes", trainer.parameterAndOptimizerBytes());
    timings.put("total", seconds(started));
    recorder.done(s, metrics, timings);
    // recorded only once the step is DONE: a successor resumes from this checkpoint without
    // redoing the step, so a step row still SYNCING then would stay so for good
    written.ifPresent(w -> checkpoints.record(nextVersion, w));
    lease.progress((int) next.step(), nextVersion, "while recording step " + s);
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
    var mismatch = m.mismatch();
    log.info(
        "run {} step {}: reward {} ± {}, kl {}, rollout mismatch kl {} (IS weight max {}), {} s",
        runId,
        s,
        "%.3f".formatted(stats[0]),
        "%.3f".formatted(stats[1]),
        "%.4f".formatted(m.kl()),
        mismatch == null ? "-" : "%.2e".formatted(mismatch.klK1()),
        mismatch == null ? "-" : "%.6f".formatted(mismatch.isWeightMax()),
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
