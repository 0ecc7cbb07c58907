package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.rm.RewardModelLedger;
import dev.grpo.ledger.run.RunLeases;
import dev.grpo.ledger.run.RunState;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.rm.RewardModelRun;
import dev.grpo.trainer.step.RunExecution.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a claimed {@code kind: reward_model} run with a {@link RewardModelRun} under the run's
 * lease: the orchestrator's heartbeat renews it, and pause, cancel, a lost lease or shutdown are
 * read at every epoch boundary. A paused or taken-over run continues after the last epoch its
 * ledger rows and checkpoints record ({@link RewardModelRun#run}).
 */
final class RewardModelDrive {

  private static final Logger log = LoggerFactory.getLogger(RewardModelDrive.class);

  private final UUID runId;
  private final RunSpec spec;
  private final RunLease lease;
  private final RunExecution.Context ctx;
  private final RewardModelLedger ledger;
  private final AtomicReference<Outcome> boundary = new AtomicReference<>();

  RewardModelDrive(
      UUID runId,
      RunSpec spec,
      String owner,
      RunExecution.Context ctx,
      RewardModelLedger ledger,
      AtomicBoolean stopping) {
    this.runId = runId;
    this.spec = spec;
    this.ctx = ctx;
    this.ledger = ledger;
    this.lease = new RunLease(runId, owner, ctx.leases(), stopping);
  }

  void beat(RunLeases leases, String owner, Duration duration) {
    try {
      if (!leases.heartbeat(runId, owner, duration)) {
        lease.lost();
      }
    } catch (RuntimeException e) {
      log.warn("heartbeat of run {} failed: {}", runId, e.toString());
    }
  }

  void drive(SetupFailures setupFailures) {
    Tokenizer tokenizer;
    try {
      tokenizer = RunConfigs.tokenizer(spec.model());
    } catch (RuntimeException e) {
      setupFailures.failed(runId, e);
      return;
    }
    setupFailures.succeeded(runId);
    try (tokenizer) {
      RewardModelRun.Result result =
          new RewardModelRun(
                  new RewardModelRun.Setup(
                      runId,
                      spec,
                      tokenizer,
                      () -> RunConfigs.initialPolicy(spec),
                      spec.model().path() == null ? null : Path.of(spec.model().path()),
                      RunDirectory.of(ctx.dataDir(), runId).root(),
                      ledger,
                      ctx.mapper(),
                      (name, value, tags) -> ctx.meters().set(name, runId, value, tags),
                      this::keepGoing))
              .run();
      if (!result.completed()) {
        Outcome why = boundary.get();
        if (why == Outcome.PAUSED || why == Outcome.CANCELLED) {
          lease.release();
        }
        log.info("reward-model run {} left this trainer: {}", runId, why);
        return;
      }
      lease.finish(RunState.SUCCEEDED, null);
      log.info("reward-model run {} succeeded", runId);
    } catch (RuntimeException e) {
      log.error("reward-model run {} failed", runId, e);
      lease.finish(RunState.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private boolean keepGoing() {
    Outcome why = lease.atBoundary();
    boundary.set(why);
    return why == null;
  }
}
