package dev.grpo.trainer.step;

import dev.grpo.api.run.RunKind;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.LedgerDatasets;
import dev.grpo.ledger.rm.RewardModelLedger;
import dev.grpo.ledger.run.RunLeases;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.config.TrainerProperties;
import dev.grpo.web.Correlation;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/**
 * The trainer's run loop: claims the oldest claimable run from the ledger, drives it with a {@link
 * RunExecution} while a heartbeat renews the lease, and looks for the next one. One run at a time
 * per trainer (DJL allows one gradient collector per JVM); more trainers drive more runs at once.
 * On shutdown the current run stops at its next step boundary and gives its lease back, so another
 * trainer takes it over without waiting for the lease to expire.
 */
@Component
class RunOrchestrator implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(RunOrchestrator.class);

  private final TrainerProperties properties;
  private final RunLeases leases;
  private final RunExecution.Context context;
  private final ObjectMapper mapper;
  private final String owner;
  private final TrainingMeters meters;
  private final RewardModelLedger rewardModels;
  private final AtomicReference<RewardModelDrive> currentRewardModel = new AtomicReference<>();

  /** A run whose setup (model, tokenizer, data) fails this often on this trainer fails. */
  static final int MAX_SETUP_ATTEMPTS = 3;

  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicReference<LeasedExecution> current = new AtomicReference<>();
  private final SetupFailures setupFailures;
  private volatile Thread loop;
  private ScheduledExecutorService heartbeat;

  RunOrchestrator(
      TrainerProperties properties,
      RunLeases leases,
      DatasetItems datasets,
      StepLedger steps,
      ServiceCalls calls,
      CheckpointLedger checkpoints,
      TrainingMeters meters,
      ObjectMapper mapper,
      RewardModelLedger rewardModels,
      LedgerDatasets ledgerDatasets) {
    this.properties = properties;
    this.rewardModels = rewardModels;
    this.leases = leases;
    this.mapper = mapper;
    this.meters = meters;
    this.owner =
        "trainer-" + ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID();
    this.setupFailures = new SetupFailures(leases, owner, MAX_SETUP_ATTEMPTS);
    this.context =
        new RunExecution.Context(
            leases,
            datasets,
            steps,
            calls,
            checkpoints,
            meters,
            mapper,
            properties.dataDir(),
            properties.orchestrator().maxStepAttempts(),
            properties.orchestrator().keepPolicyVersions(),
            stopping,
            ledgerDatasets);
  }

  String owner() {
    return owner;
  }

  @Override
  public void start() {
    if (!properties.orchestrator().enabled()) {
      log.info("the orchestrator is off (grpo.trainer.orchestrator.enabled=false)");
      return;
    }
    stopping.set(false);
    heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grpo-run-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long every = properties.orchestrator().heartbeatInterval().toMillis();
    heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    loop = new Thread(this::claimLoop, "grpo-orchestrator");
    loop.start();
    log.info(
        "orchestrator {} looks for runs every {}", owner, properties.orchestrator().pollInterval());
  }

  private void beat() {
    RewardModelDrive rewardModel = currentRewardModel.get();
    if (rewardModel != null) {
      rewardModel.beat(leases, owner, properties.orchestrator().leaseDuration());
    }
    LeasedExecution execution = current.get();
    if (execution == null) {
      return;
    }
    try {
      if (!leases.heartbeat(execution.runId(), owner, properties.orchestrator().leaseDuration())) {
        execution.leaseLost();
      }
    } catch (RuntimeException e) {
      // the database is unreachable: the lease may run out; the execution notices at its boundary
      log.warn("heartbeat of run {} failed: {}", execution.runId(), e.toString());
    }
  }

  private void claimLoop() {
    while (!stopping.get()) {
      try {
        Optional<RunLeases.Claim> claim =
            leases.claim(owner, properties.orchestrator().leaseDuration());
        if (claim.isEmpty()) {
          Thread.sleep(properties.orchestrator().pollInterval().toMillis());
          continue;
        }
        execute(claim.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("orchestrator loop: {}", e.toString());
        try {
          Thread.sleep(properties.orchestrator().pollInterval().toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void execute(RunLeases.Claim claim) {
    RunSpec spec;
    try {
      spec = mapper.readValue(claim.spec(), RunSpec.class);
    } catch (RuntimeException e) {
      leases.finish(claim.runId(), owner, RunState.FAILED, "the stored spec cannot be read: " + e);
      return;
    }
    try (var logged = Correlation.run(claim.runId())) {
      executeLogged(claim, spec);
    }
  }

  private void executeLogged(RunLeases.Claim claim, RunSpec spec) {
    log.info("claimed run {} at step {}", claim.runId(), claim.currentStep());
    meters.leased(claim.runId(), true);
    meters.progressed(claim.runId(), Instant.now());
    try {
      drive(claim, spec);
    } finally {
      meters.leased(claim.runId(), false);
    }
  }

  private void drive(RunLeases.Claim claim, RunSpec spec) {
    if (spec.kind() == RunKind.REWARD_MODEL) {
      RewardModelDrive rewardModel =
          new RewardModelDrive(claim.runId(), spec, owner, context, rewardModels, stopping);
      currentRewardModel.set(rewardModel);
      try {
        rewardModel.drive(setupFailures);
      } finally {
        currentRewardModel.set(null);
      }
      return;
    }
    LeasedExecution execution;
    try {
      execution =
          spec.kind() == RunKind.GRPO
              ? new RunExecution(claim.runId(), spec, owner, context)
              : new StageExecution(claim.runId(), spec, owner, context);
    } catch (RuntimeException e) {
      setupFailures.failed(claim.runId(), e);
      return;
    }
    setupFailures.succeeded(claim.runId());
    current.set(execution);
    try {
      RunExecution.Outcome outcome = execution.drive();
      log.info("run {} left this trainer: {}", claim.runId(), outcome);
    } finally {
      current.set(null);
    }
  }

  @Override
  public void stop() {
    stopping.set(true);
    Thread t = loop;
    if (t != null) {
      try {
        // the current step finishes (bounded by the request timeouts), then the lease is released
        t.join(properties.orchestrator().requestTimeout().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (heartbeat != null) {
      heartbeat.shutdownNow();
    }
    loop = null;
  }

  @Override
  public boolean isRunning() {
    return loop != null;
  }

  @Override
  public int getPhase() {
    // stop before the web server and the data source
    return Integer.MAX_VALUE - 1000;
  }
}
