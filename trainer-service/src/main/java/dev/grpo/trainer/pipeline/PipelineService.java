package dev.grpo.trainer.pipeline;

import dev.grpo.api.pipeline.PipelineSpec;
import dev.grpo.api.pipeline.PipelineSpec.Output;
import dev.grpo.api.pipeline.PipelineSpec.Stage;
import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunKind;
import dev.grpo.ledger.checkpoint.CheckpointRepository;
import dev.grpo.ledger.pipeline.PipelineLedger;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunCommands;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.run.RunState.RunCommand;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.trainer.run.RunSpecChecks;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Creates pipelines (checked whole, idempotently, all stages or nothing), shows them, and applies
 * pause, resume and cancel to a pipeline and its current stage's run.
 */
@Service
class PipelineService {

  /** What a create call did. */
  record Created(PipelineView pipeline, boolean replayed) {}

  /** Placeholders for inputs known only when the stage starts, so its spec can be checked now. */
  private static final long SOME_CHECKPOINT = Long.MAX_VALUE;

  private static final UUID SOME_DATASET = new UUID(0, 0);

  private final PipelineLedger ledger;
  private final RunRepository runs;
  private final RunCommands commands;
  private final CheckpointRepository checkpoints;
  private final StepLedger steps;
  private final RunSpecChecks checks;
  private final StageSpecs specs;
  private final ObjectMapper mapper;
  private final ObjectMapper canonical;

  PipelineService(
      PipelineLedger ledger,
      RunRepository runs,
      RunCommands commands,
      CheckpointRepository checkpoints,
      StepLedger steps,
      RunSpecChecks checks,
      RecordBinder binder,
      ObjectMapper mapper) {
    this.ledger = ledger;
    this.runs = runs;
    this.commands = commands;
    this.checkpoints = checkpoints;
    this.steps = steps;
    this.checks = checks;
    this.specs = new StageSpecs(binder, mapper);
    this.mapper = mapper;
    this.canonical =
        JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
  }

  /** Throws {@link InvalidRequestException} naming every problem of the pipeline and its stages. */
  void check(PipelineSpec spec) {
    List<FieldProblem> problems = new ArrayList<>(StageReferences.problems(spec));
    for (int i = 0; i < spec.stages().size(); i++) {
      Stage stage = spec.stages().get(i);
      // the inputs as they will be once resolved; a missing one is reported by the references
      boolean datasetInput = stage.from() != null && stage.from().endsWith(".dataset");
      boolean readsCheckpoint =
          datasetInput
              ? stage.init() != null
              : stage.from() != null
                  || (stage.kind() != RunKind.GRPO && stage.kind() != RunKind.SFT);
      Long checkpoint = readsCheckpoint ? SOME_CHECKPOINT : null;
      UUID dataset = datasetInput && stage.kind() == RunKind.SFT ? SOME_DATASET : null;
      try {
        checks.check(specs.bind(i, stage, checkpoint, dataset));
      } catch (InvalidRequestException e) {
        problems.addAll(
            e.problems().stream().allMatch(p -> p.field().startsWith("stages["))
                ? e.problems()
                : StageSpecs.prefixed(i, e.problems()));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
  }

  Created create(PipelineSpec spec, String idempotencyKey) {
    check(spec);
    String json = mapper.writeValueAsString(spec);
    String hash = sha256(canonical.writeValueAsString(spec));
    if (idempotencyKey != null) {
      var earlier = ledger.findByIdempotencyKey(idempotencyKey);
      if (earlier.isPresent()) {
        return replay(earlier.get(), hash, idempotencyKey);
      }
    }
    UUID id = UUID.randomUUID();
    String name = spec.name() != null ? spec.name() : "pipeline-" + id.toString().substring(0, 8);
    List<PipelineLedger.NewStage> stages = new ArrayList<>();
    for (int i = 0; i < spec.stages().size(); i++) {
      Stage s = spec.stages().get(i);
      stages.add(new PipelineLedger.NewStage(i, s.name(), mapper.valueToTree(s.kind()).asString()));
    }
    try {
      ledger.create(id, name, json, idempotencyKey, hash, stages);
    } catch (DataIntegrityViolationException race) {
      return replay(
          ledger.findByIdempotencyKey(idempotencyKey).orElseThrow(() -> race),
          hash,
          idempotencyKey);
    }
    return new Created(get(id), false);
  }

  private Created replay(PipelineLedger.Pipeline earlier, String hash, String key) {
    if (!earlier.requestHash().equals(hash)) {
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          "idempotency-key-reused",
          "Idempotency-Key '"
              + key
              + "' was used for pipeline "
              + earlier.id()
              + " with a different spec; use a new key for a new pipeline");
    }
    return new Created(get(earlier.id()), true);
  }

  PipelineView get(UUID id) {
    PipelineLedger.Pipeline p =
        ledger.find(id).orElseThrow(() -> ApiException.notFound("pipeline", id));
    List<PipelineView.StageView> stages = new ArrayList<>();
    for (PipelineLedger.Stage s : ledger.stages(id)) {
      Run run = s.runId() == null ? null : runs.findById(s.runId()).orElse(null);
      JsonNode metrics = s.metrics() != null ? mapper.readTree(s.metrics()) : liveMetrics(s);
      stages.add(
          new PipelineView.StageView(
              s.name(),
              s.kind(),
              s.state(),
              s.runId(),
              run == null ? null : run.getState().name(),
              run == null ? 0 : run.getCurrentStep(),
              checkpointRef(s.checkpointId()),
              s.datasetId(),
              metrics,
              s.error() != null ? s.error() : run == null ? null : run.getError(),
              s.startedAt(),
              s.finishedAt()));
    }
    return new PipelineView(
        p.id(),
        p.name(),
        p.state(),
        p.currentStage(),
        p.error(),
        p.createdAt(),
        p.finishedAt(),
        stages,
        MetricTable.of(stages),
        mapper.readTree(p.spec()));
  }

  /** A running (or failed) stage's newest evaluation, until the stage records its own. */
  private JsonNode liveMetrics(PipelineLedger.Stage s) {
    if (s.runId() == null) {
      return null;
    }
    var evals = steps.evals(s.runId());
    return evals.isEmpty() ? null : evals.get(evals.size() - 1).metrics();
  }

  private PipelineView.CheckpointRef checkpointRef(Long id) {
    if (id == null) {
      return null;
    }
    return checkpoints
        .findById(id)
        .map(c -> new PipelineView.CheckpointRef(id, ledger.parentOf(id), c.getStepNo()))
        .orElse(null);
  }

  List<PipelineView> list(int limit) {
    return ledger.list(limit).stream().map(p -> get(p.id())).toList();
  }

  /**
   * Applies {@code command} to the pipeline and to its current stage's run, so the stage stops at
   * its next boundary (pause, cancel) or is claimed again (resume).
   */
  PipelineView apply(UUID id, RunCommand command) {
    PipelineLedger.Pipeline p =
        ledger.find(id).orElseThrow(() -> ApiException.notFound("pipeline", id));
    boolean changed = ledger.apply(id, command);
    PipelineLedger.Pipeline now = ledger.find(id).orElseThrow();
    if (!changed && now.state() != command.target()) {
      throw ApiException.conflict(
          "illegal-transition",
          "cannot " + command.name().toLowerCase() + " pipeline " + id + " in state " + p.state());
    }
    List<PipelineLedger.Stage> stages = ledger.stages(id);
    if (now.currentStage() < stages.size()) {
      UUID run = stages.get(now.currentStage()).runId();
      if (run != null) {
        commands.apply(run, command);
      }
    }
    return get(id);
  }

  static Output outputOf(String reference) {
    return StageReferences.parse(reference).output();
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
