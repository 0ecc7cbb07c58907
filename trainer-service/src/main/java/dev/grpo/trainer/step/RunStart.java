package dev.grpo.trainer.step;

import ai.djl.Device;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.step.ColdStart.ColdStartReport;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.TrainingState;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where a run starts on this trainer: the newest checkpoint the ledger vouches for, or a fresh
 * policy (cold-started when the spec asks) checkpointed as step 0; then the starting policy is
 * published, the run shows the step it really is at, and an evaluation a predecessor left undone is
 * caught up.
 */
final class RunStart {

  private static final Logger log = LoggerFactory.getLogger(RunStart.class);

  /** Evaluates after {@code step} steps into the row {@code metrics}; false without eval items. */
  interface Evaluator {
    boolean evaluate(int step, long version, ObjectNode metrics);
  }

  /** The policy a drive starts from, and whether it came from a checkpoint. */
  record Start(DecoderModel policy, TrainingState state, boolean resumed) {}

  /** What a start needs from the run's other parts. */
  record Parts(
      RunCheckpoints checkpoints,
      ColdStart coldStart,
      PolicyPublisher publisher,
      Evaluator evaluator,
      StepRecorder recorder) {}

  private final UUID runId;
  private final RunSpec spec;
  private final RunLease lease;
  private final DatasetItems datasets;
  private final StepLedger steps;
  private final ObjectMapper mapper;
  private final Parts parts;
  private final dev.grpo.trainer.checkpoint.CheckpointLedger checkpointLedger;

  RunStart(UUID runId, RunSpec spec, RunLease lease, RunExecution.Context ctx, Parts parts) {
    this.runId = runId;
    this.spec = spec;
    this.lease = lease;
    this.datasets = ctx.datasets();
    this.steps = ctx.steps();
    this.mapper = ctx.mapper();
    this.parts = parts;
    this.checkpointLedger = ctx.checkpoints();
  }

  /** The newest recorded checkpoint, or a fresh policy (cold-started) checkpointed as step 0. */
  Start begin(AdamW optimizer) {
    Optional<Checkpointer.Checkpoint> latest = parts.checkpoints().latest();
    if (latest.isPresent()) {
      DecoderModel policy = latest.get().loadModel(Device.cpu());
      latest.get().restoreOptimizer(optimizer);
      TrainingState state = latest.get().state();
      log.info("run {} resumes from the checkpoint of step {}", runId, state.step());
      return new Start(policy, state, true);
    }
    DecoderModel policy = StageInputs.initialPolicy(spec, checkpointLedger);
    try {
      ColdStartReport report = null;
      if (spec.coldStart().enabled()) {
        report = parts.coldStart().train(policy, coldStartSource());
        log.info(
            "run {} cold start: {} updates, final loss {}",
            runId,
            report.updates(),
            report.finalLoss());
      }
      TrainingState state = TrainingState.start(spec.seed());
      // step 0: the reference is the initial policy, which this checkpoint is
      parts.checkpoints().save(policy, optimizer, state, null);
      if (report != null) {
        evaluateColdStart(policy, report);
      }
      return new Start(policy, state, false);
    } catch (RuntimeException e) {
      policy.close();
      throw e;
    }
  }

  /** Publishes the starting policy, shows the run where it really is, and catches up an eval. */
  void resume(DecoderModel policy, Start start) {
    long version = start.state().step() + 1;
    parts.publisher().publish(policy, version);
    int done = (int) start.state().step();
    // a successor redoes the steps after the checkpoint: the run shows where it really is
    lease.progress(done, version, "while resuming");
    if (start.resumed()
        ? evaluatesAt(done) && !steps.hasEval(runId, done)
        : done == 0 && !spec.coldStart().enabled()) {
      // a trainer that died in the evaluation at its checkpoint's step left it undone, its
      // greedy completions perhaps stored without rewards; no step after the checkpoint
      // evaluates there again, so the successor does it here
      parts.evaluator().evaluate(done, version, mapper.createObjectNode());
    }
  }

  /** Whether the run is evaluated after {@code done} steps: at the start, every K, at the end. */
  private boolean evaluatesAt(int done) {
    int every = spec.schedule().evalEvery();
    return done == 0 || done == spec.schedule().steps() || (every > 0 && done % every == 0);
  }

  private List<Item> coldStartSource() {
    int trainSize = datasets.count(runId, DatasetItems.TRAIN);
    return datasets.read(
        runId, DatasetItems.TRAIN, 0, Math.min(spec.coldStart().examples(), trainSize));
  }

  /** The evaluation of step 0 after a cold start, with the cold start's report beside it. */
  private void evaluateColdStart(DecoderModel policy, ColdStartReport report) {
    parts.publisher().publish(policy, 1);
    ObjectNode metrics = mapper.createObjectNode();
    metrics.set("cold_start", report.writeTo(mapper.createObjectNode()));
    if (!parts.evaluator().evaluate(0, 1, metrics)) {
      parts.recorder().eval(0, 1, metrics, null);
    }
  }
}
