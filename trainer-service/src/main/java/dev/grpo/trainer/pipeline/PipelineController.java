package dev.grpo.trainer.pipeline;

import dev.grpo.api.pipeline.PipelineSpec;
import dev.grpo.api.problem.FieldProblem;
import dev.grpo.ledger.run.RunState.RunCommand;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/pipelines}: create (checked whole, idempotent with an {@code Idempotency-Key}),
 * show (stages, their runs and outputs, the stage × metric table), list, pause, resume, cancel.
 */
@RestController
@RequestMapping("/api/v1/pipelines")
@Tag(name = "pipelines", description = "The DeepSeek-R1 recipe as one tracked, resumable resource")
class PipelineController {

  private final PipelineService service;
  private final RecordBinder binder;

  PipelineController(PipelineService service, RecordBinder binder) {
    this.service = service;
    this.binder = binder;
  }

  @PostMapping
  @Operation(
      summary = "Create a pipeline of ordered, named stages",
      description =
          "Checked whole before anything is created: stage references (<stage>.checkpoint,"
              + " <stage>.dataset) to earlier stages only, threshold rules among the stage's"
              + " rewards, every stage spec as a run spec; 400 names each bad field.")
  ResponseEntity<PipelineView> create(
      // bound by RecordBinder so that every invalid field is reported; the schema is the record's
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = PipelineSpec.class)))
          @RequestBody
          JsonNode body,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
      throw new InvalidRequestException(
          List.of(new FieldProblem("Idempotency-Key", "must be 1 to 255 characters")));
    }
    PipelineSpec spec = binder.bind(body, PipelineSpec.class);
    PipelineService.Created created = service.create(spec, idempotencyKey);
    if (created.replayed()) {
      return ResponseEntity.ok().header("Idempotent-Replayed", "true").body(created.pipeline());
    }
    return ResponseEntity.created(URI.create("/api/v1/pipelines/" + created.pipeline().id()))
        .body(created.pipeline());
  }

  @GetMapping
  List<PipelineView> list() {
    return service.list(50);
  }

  @GetMapping("/{id}")
  @Operation(
      summary = "A pipeline: each stage's state, run and outputs, and the stage x metric table")
  PipelineView get(@PathVariable UUID id) {
    return service.get(id);
  }

  @PostMapping("/{id}/pause")
  @Operation(summary = "Pause the pipeline and its current stage's run at its next boundary")
  PipelineView pause(@PathVariable UUID id) {
    return service.apply(id, RunCommand.PAUSE);
  }

  @PostMapping("/{id}/resume")
  @Operation(summary = "Resume a paused pipeline; its stage is claimed again")
  PipelineView resume(@PathVariable UUID id) {
    return service.apply(id, RunCommand.RESUME);
  }

  @PostMapping("/{id}/cancel")
  @Operation(summary = "Cancel the pipeline, its current stage's run and the stages not started")
  PipelineView cancel(@PathVariable UUID id) {
    return service.apply(id, RunCommand.CANCEL);
  }
}
