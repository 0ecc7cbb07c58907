package dev.grpo.trainer.step;

import dev.grpo.api.run.RunKind;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.run.RunState;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.data.Datasets;
import dev.grpo.trainer.step.Evaluation.EvalReport;
import dev.grpo.trainer.step.RunExecution.Context;
import dev.grpo.trainer.step.RunExecution.Outcome;
import dev.grpo.trainer.train.Checkpointer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Drives a run of a pipeline stage kind other than GRPO ({@code sft}, {@code rejection_sampling},
 * {@code eval}, {@code distill}) on the run machinery: the same lease, heartbeat, pause and cancel
 * at a boundary, and idempotent ledger writes. A stage that is taken over after a crash is redone
 * from its start unless its result is already recorded: its dataset rows are keyed by (dataset,
 * prompt, sample) and its samples are answered from the ledger by the rollout service, so a redo
 * writes nothing twice; its checkpoint is recorded once, and a successor that finds it only
 * evaluates.
 */
final class StageExecution implements LeasedExecution {

  private static final Logger log = LoggerFactory.getLogger(StageExecution.class);

  private final UUID runId;
  private final RunSpec spec;
  private final Context ctx;
  private final RunLease lease;
  private final PromptEncoder prompts;
  private final PolicyPublisher publisher;
  private final Rollouts rollouts;
  private final GroupScoring scoring;
  private final Evaluation evaluation;
  private final RunCheckpoints checkpoints;
  private final StepRecorder recorder;

  StageExecution(UUID runId, RunSpec spec, String owner, Context ctx) {
    this.runId = runId;
    this.spec = spec;
    this.ctx = ctx;
    this.lease = new RunLease(runId, owner, ctx.leases(), ctx.stopping());
    RunDirectory dir = RunDirectory.of(ctx.dataDir(), runId);
    this.prompts = RunConfigs.prompts(spec, RunConfigs.tokenizer(spec.model()));
    Path tokenizerDir = spec.model().path() == null ? null : Path.of(spec.model().path());
    this.publisher =
        new PolicyPublisher(
            new PolicyPublisher.Target(
                runId, spec.rollout().backend(), tokenizerDir, dir, ctx.keepPolicyVersions()),
            ctx.calls(),
            lease::keepGoing);
    this.rollouts =
        new Rollouts(runId, spec.rollout(), prompts, ctx.calls(), publisher, lease::keepGoing);
    this.scoring = new GroupScoring(spec, prompts, ctx.calls(), lease::keepGoing);
    this.evaluation = new Evaluation(rollouts, scoring, spec.evaluation(), spec.seed());
    this.checkpoints = new RunCheckpoints(runId, dir, ctx.checkpoints(), tokenizerDir);
    this.recorder = new StepRecorder(runId, spec, ctx.steps(), ctx.meters(), ctx.mapper());
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
    try {
      Outcome stopped = driveStage();
      if (stopped != null) {
        return stopped;
      }
      if (lease.finish(RunState.SUCCEEDED, null)) {
        log.info("{} run {} succeeded", spec.kind(), runId);
        return Outcome.SUCCEEDED;
      }
      return lease.cancelled() ? Outcome.CANCELLED : Outcome.LOST;
    } catch (RuntimeException e) {
      return lease.endedBy(e, runId, log);
    }
  }

  /** Null when the stage's work is done; otherwise why it stopped early. */
  private Outcome driveStage() {
    ctx.datasets().materialize(runId, Datasets.itemsOf(spec.data(), spec.seed(), ctx.mapper()));
    return switch (spec.kind()) {
      case SFT -> sft(null, ctx.mapper().createObjectNode());
      case REJECTION_SAMPLING -> rejectionSampling().stoppedBy();
      case EVAL -> evaluateCheckpoint();
      case DISTILL -> distill();
      case GRPO -> throw new IllegalStateException("a grpo run is driven by RunExecution");
      case REWARD_MODEL ->
          throw new IllegalStateException("a reward_model run is driven by RewardModelDrive");
    };
  }

  /** Samples the teacher into this run's dataset, then trains the student on it. */
  private Outcome distill() {
    RejectionSampler.Result sampled = rejectionSampling();
    if (sampled.stoppedBy() != null) {
      return sampled.stoppedBy();
    }
    // the student's evaluation row carries the counts of the teacher's samples it learned from
    ObjectNode metrics = ctx.mapper().createObjectNode();
    metrics.set("rejection_sampling", sampled.counts().writeTo(ctx.mapper().createObjectNode()));
    return sft(sampled.datasetId(), metrics);
  }

  private RejectionSampler.Result rejectionSampling() {
    UUID datasetId = ctx.ledgerDatasets().forRun(runId, "samples of run " + runId);
    try (DecoderModel teacher = StageInputs.initialPolicy(spec, ctx.checkpoints())) {
      publisher.publish(teacher, 1);
    }
    RejectionSampler sampler =
        new RejectionSampler(
            runId,
            spec,
            prompts,
            rollouts,
            scoring,
            ctx.ledgerDatasets(),
            ctx.mapper(),
            lease::atBoundary);
    List<Item> train = ctx.datasets().all(runId, DatasetItems.TRAIN);
    RejectionSampler.Result result = sampler.run(datasetId, train);
    if (result.stoppedBy() != null) {
      stopped(result.stoppedBy());
      return result;
    }
    ObjectNode metrics = ctx.mapper().createObjectNode();
    metrics.set("rejection_sampling", result.counts().writeTo(ctx.mapper().createObjectNode()));
    ctx.ledgerDatasets().stats(datasetId, metrics.get("rejection_sampling").toString());
    ctx.meters().rejectionSampling(runId, result.counts());
    if (result.counts().kept() < spec.rejectionSampling().minKept()) {
      throw new IllegalStateException(
          "rejection sampling kept %d rows, fewer than minKept %d: %s"
              .formatted(
                  result.counts().kept(),
                  spec.rejectionSampling().minKept(),
                  metrics.get("rejection_sampling")));
    }
    if (spec.kind() == RunKind.REJECTION_SAMPLING) {
      recorder.eval(0, 1, metrics, null);
    }
    return result;
  }

  /**
   * SFT of the spec's base (or of {@code initialCheckpoint}) on a ledger dataset ({@code
   * trainDataset}, or {@code datasetId} for a distillation) or on the worked solutions of the train
   * items; the trained policy is checkpointed and evaluated.
   */
  private Outcome sft(UUID datasetId, ObjectNode metrics) {
    Optional<Checkpointer.Checkpoint> done = checkpoints.latest();
    if (done.isPresent()) {
      // a predecessor trained and recorded the checkpoint, then died: evaluate it only
      try (DecoderModel policy = done.get().loadModel(ai.djl.Device.cpu())) {
        return evaluateOnce(policy, metrics);
      }
    }
    UUID dataset = datasetId != null ? datasetId : spec.trainDataset();
    DecoderModel policy =
        spec.kind() == RunKind.DISTILL
            ? RunConfigs.initialPolicy(spec)
            : StageInputs.initialPolicy(spec, ctx.checkpoints());
    try (policy) {
      SftStage stage = new SftStage(spec, prompts, lease::atBoundary);
      SftStage.Result trained =
          dataset != null
              ? stage.train(policy, SftStage.rowItems(ctx.ledgerDatasets().rows(dataset)))
              : stage.train(policy, SftStage.solutionItems(ctx.datasets().all(runId, "train")));
      if (trained.stoppedBy() != null) {
        stopped(trained.stoppedBy());
        return trained.stoppedBy();
      }
      checkpoints.save(policy, trained.optimizer(), trained.state(), null);
      trained.optimizer().close();
      metrics.set("sft", trained.report().writeTo(ctx.mapper().createObjectNode()));
      return evaluateOnce(policy, metrics);
    }
  }

  private Outcome evaluateCheckpoint() {
    try (DecoderModel policy = StageInputs.initialPolicy(spec, ctx.checkpoints())) {
      return evaluateOnce(policy, ctx.mapper().createObjectNode());
    }
  }

  /**
   * Publishes {@code policy} and evaluates it on the eval split (step 0). A distillation published
   * its teacher as version 1, so its student is version 2: the rollout service samples the policy
   * of the version it is asked for.
   */
  private Outcome evaluateOnce(DecoderModel policy, ObjectNode metrics) {
    long version = spec.kind() == RunKind.DISTILL ? 2 : 1;
    Outcome boundary = lease.atBoundary();
    if (boundary != null) {
      stopped(boundary);
      return boundary;
    }
    if (ctx.steps().hasEval(runId, 0)) {
      return null;
    }
    List<Item> items = ctx.datasets().all(runId, DatasetItems.EVAL);
    if (items.isEmpty()) {
      if (spec.kind() == RunKind.EVAL) {
        throw new IllegalArgumentException(
            "an eval run needs held-out items: data.evalFraction is 0 or the data is too small");
      }
      recorder.eval(0, version, metrics, null);
      return null;
    }
    publisher.publish(policy, version);
    EvalReport report = evaluation.run(0, version, items);
    recorder.eval(
        0, version, report.writeTo(metrics), Duration.ofNanos((long) (report.seconds() * 1e9)));
    log.info(
        "{} run {}: accuracy {} over {} held-out items",
        spec.kind(),
        runId,
        "%.3f".formatted(report.accuracy()),
        report.items());
    return null;
  }

  private void stopped(Outcome boundary) {
    if (boundary == Outcome.PAUSED || boundary == Outcome.CANCELLED) {
      // the stage is redone from its start on resume; its ledger writes are idempotent
      lease.release();
    }
  }
}
