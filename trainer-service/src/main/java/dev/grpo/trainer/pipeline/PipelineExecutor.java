package dev.grpo.trainer.pipeline;

import dev.grpo.api.pipeline.PipelineSpec;
import dev.grpo.api.pipeline.PipelineSpec.Output;
import dev.grpo.api.pipeline.PipelineSpec.Stage;
import dev.grpo.api.run.RunKind;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.LedgerDatasets;
import dev.grpo.ledger.pipeline.PipelineLedger;
import dev.grpo.ledger.pipeline.PipelineLedger.StageState;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunCommands;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.run.RunState.RunCommand;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.config.TrainerProperties;
import dev.grpo.web.RecordBinder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Moves pipelines forward. Each advance claims one pipeline with a lease through the ledger and
 * does one thing: starts the current stage (creates its run, keyed by pipeline and stage, so a
 * repeated or concurrent start finds the same run), or reads the end of the stage's run and records
 * its outputs (checkpoint with its lineage, dataset, metrics) while moving the pipeline to the next
 * stage. The stage's work is done by the run machinery (a trainer's orchestrator drives the run
 * under its own lease), so a trainer killed mid-stage leaves a run that another trainer takes over,
 * and a pipeline whose executor died is advanced by the next one after its lease runs out: nothing
 * is lost and nothing is done twice.
 */
@Component
class PipelineExecutor implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(PipelineExecutor.class);

  private final PipelineLedger ledger;
  private final RunRepository runs;
  private final RunCommands commands;
  private final CheckpointLedger checkpoints;
  private final LedgerDatasets datasets;
  private final StepLedger steps;
  private final StageSpecs specs;
  private final ObjectMapper mapper;
  private final TrainerProperties properties;
  private final MeterRegistry meters;
  private final String owner;
  private final Clock clock = Clock.systemUTC();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile Thread loop;

  PipelineExecutor(
      PipelineLedger ledger,
      RunRepository runs,
      RunCommands commands,
      CheckpointLedger checkpoints,
      LedgerDatasets datasets,
      StepLedger steps,
      RecordBinder binder,
      ObjectMapper mapper,
      TrainerProperties properties,
      MeterRegistry meters) {
    this.ledger = ledger;
    this.runs = runs;
    this.commands = commands;
    this.checkpoints = checkpoints;
    this.datasets = datasets;
    this.steps = steps;
    this.specs = new StageSpecs(binder, mapper);
    this.mapper = mapper;
    this.properties = properties;
    this.meters = meters;
    this.owner =
        "pipelines-" + ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID();
  }

  @Override
  public void start() {
    if (!properties.orchestrator().enabled()) {
      return;
    }
    stopping.set(false);
    loop = new Thread(this::advanceLoop, "grpo-pipelines");
    loop.setDaemon(true);
    loop.start();
  }

  private void advanceLoop() {
    Duration poll = properties.orchestrator().pollInterval();
    while (!stopping.get()) {
      try {
        if (!advanceOne()) {
          Thread.sleep(poll.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("pipeline executor: {}", e.toString());
        try {
          Thread.sleep(poll.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Claims and advances one pipeline; false when none was waiting. */
  boolean advanceOne() {
    Optional<UUID> claimed = ledger.claim(owner, properties.orchestrator().leaseDuration());
    if (claimed.isEmpty()) {
      return false;
    }
    UUID id = claimed.get();
    try {
      return advance(id);
    } finally {
      ledger.release(id, owner);
    }
  }

  /** One advance of a claimed pipeline; true when it moved. */
  private boolean advance(UUID id) {
    PipelineLedger.Pipeline p = ledger.find(id).orElseThrow();
    PipelineSpec spec = mapper.readValue(p.spec(), PipelineSpec.class);
    List<PipelineLedger.Stage> stages = ledger.stages(id);
    PipelineLedger.Stage stage = stages.get(p.currentStage());
    if (stage.runId() == null) {
      return startStage(p, spec, stages, stage);
    }
    Run run = runs.findById(stage.runId()).orElseThrow();
    return switch (run.getState()) {
      case SUCCEEDED -> stageSucceeded(p, spec, stages, stage, run);
      case FAILED -> ended(p, stage, StageState.FAILED, run.getError());
      case CANCELLED -> ended(p, stage, StageState.CANCELLED, null);
      case PAUSED -> mirror(p, stage, StageState.PAUSED);
      case QUEUED, RUNNING -> mirror(p, stage, StageState.RUNNING);
    };
  }

  private boolean mirror(PipelineLedger.Pipeline p, PipelineLedger.Stage stage, StageState s) {
    if (stage.state() != s) {
      ledger.stageState(p.id(), stage.ordinal(), s);
    }
    return false;
  }

  private boolean startStage(
      PipelineLedger.Pipeline p,
      PipelineSpec spec,
      List<PipelineLedger.Stage> stages,
      PipelineLedger.Stage stage) {
    Stage def = spec.stages().get(stage.ordinal());
    Long checkpoint = null;
    UUID dataset = null;
    try {
      if (def.from() != null) {
        PipelineLedger.Stage source = byName(stages, StageReferences.parse(def.from()).stage());
        if (PipelineService.outputOf(def.from()) == Output.CHECKPOINT) {
          checkpoint = required(source.checkpointId(), def.from());
        } else {
          dataset = required(source.datasetId(), def.from());
        }
      }
      if (def.init() != null) {
        checkpoint =
            required(
                byName(stages, StageReferences.parse(def.init()).stage()).checkpointId(),
                def.init());
      }
    } catch (IllegalStateException missing) {
      return ended(p, stage, StageState.FAILED, missing.getMessage());
    }
    RunSpec runSpec = specs.bind(stage.ordinal(), def, checkpoint, dataset);
    UUID runId = createRun(p, stage, runSpec);
    if (ledger.startStage(p.id(), owner, stage.ordinal(), runId)) {
      log.info("pipeline {} stage {} started as run {}", p.id(), stage.name(), runId);
      count("started", stage);
      // a run made before a pause of the pipeline was paused with it; the resume continues it
      commands.apply(runId, RunCommand.RESUME);
      return true;
    }
    // the user paused or cancelled the pipeline while this advance made the run: the run follows
    RunState now = ledger.find(p.id()).orElseThrow().state();
    if (now == RunState.CANCELLED) {
      commands.apply(runId, RunCommand.CANCEL);
    } else if (now == RunState.PAUSED) {
      commands.apply(runId, RunCommand.PAUSE);
    }
    return false;
  }

  /** The stage's run, created once: its idempotency key is the pipeline's and the stage's. */
  private UUID createRun(PipelineLedger.Pipeline p, PipelineLedger.Stage stage, RunSpec spec) {
    String key = "pipeline:" + p.id() + ":" + stage.name();
    Optional<Run> earlier = runs.findByIdempotencyKey(key);
    if (earlier.isPresent()) {
      return earlier.get().getId();
    }
    String json = mapper.writeValueAsString(spec);
    try {
      return runs.saveAndFlush(
              new Run(
                  UUID.randomUUID(),
                  p.name() + "/" + stage.name(),
                  json,
                  key,
                  "pipeline-stage",
                  clock.instant()))
          .getId();
    } catch (DataIntegrityViolationException race) {
      return runs.findByIdempotencyKey(key).orElseThrow(() -> race).getId();
    }
  }

  private boolean stageSucceeded(
      PipelineLedger.Pipeline p,
      PipelineSpec spec,
      List<PipelineLedger.Stage> stages,
      PipelineLedger.Stage stage,
      Run run) {
    RunSpec runSpec = mapper.readValue(run.getSpec(), RunSpec.class);
    Long checkpoint =
        StageReferences.produces(runSpec.kind()).contains(Output.CHECKPOINT)
            ? checkpoints.latestId(run.getId()).orElse(null)
            : null;
    if (checkpoint != null && runSpec.initialCheckpoint() != null) {
      ledger.linkCheckpoints(run.getId(), runSpec.initialCheckpoint());
    }
    UUID dataset = datasets.ofRun(run.getId()).orElse(null);
    var evals = steps.evals(run.getId());
    ObjectNode metrics =
        evals.isEmpty()
            ? mapper.createObjectNode()
            : (ObjectNode) evals.get(evals.size() - 1).metrics().deepCopy();
    metrics.set(
        "compute",
        StageCompute.of(
            runSpec.kind(),
            evals,
            runSpec.kind() == RunKind.GRPO
                ? steps.steps(run.getId(), 0, runSpec.schedule().steps() + 1)
                : List.of(),
            mapper));
    boolean last = stage.ordinal() == stages.size() - 1;
    if (ledger.stageSucceeded(
        p.id(), owner, stage.ordinal(), checkpoint, dataset, metrics.toString(), last)) {
      log.info("pipeline {} stage {} succeeded", p.id(), stage.name());
      count("succeeded", stage);
      return true;
    }
    return false;
  }

  private boolean ended(
      PipelineLedger.Pipeline p, PipelineLedger.Stage stage, StageState end, String error) {
    if (ledger.stageEnded(p.id(), owner, stage.ordinal(), end, error)) {
      log.info("pipeline {} stage {} {}: {}", p.id(), stage.name(), end, error);
      count(end.name().toLowerCase(), stage);
      return true;
    }
    return false;
  }

  /** {@code grpo.pipeline.stages}: stage transitions by kind and outcome. */
  private void count(String outcome, PipelineLedger.Stage stage) {
    Counter.builder("grpo.pipeline.stages")
        .description("pipeline stage transitions by kind and outcome")
        .tags("kind", stage.kind(), "outcome", outcome)
        .register(meters)
        .increment();
  }

  private static PipelineLedger.Stage byName(List<PipelineLedger.Stage> stages, String name) {
    return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static <T> T required(T value, String reference) {
    if (value == null) {
      throw new IllegalStateException(reference + " does not exist: that stage produced none");
    }
    return value;
  }

  @Override
  public void stop() {
    stopping.set(true);
    Thread t = loop;
    if (t != null) {
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    loop = null;
  }

  @Override
  public boolean isRunning() {
    return loop != null;
  }
}
