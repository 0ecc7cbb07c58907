package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.run.RunState.RunCommand;
import dev.grpo.trainer.config.TrainerProperties;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Starts, lists, watches, pauses, resumes and cancels runs. */
@RestController
@RequestMapping("/api/v1/runs")
class RunController {

  private final RunService service;
  private final RecordBinder binder;
  private final TrainerProperties properties;
  private final RunSpecChecks checks;

  RunController(
      RunService service, RecordBinder binder, TrainerProperties properties, RunSpecChecks checks) {
    this.service = service;
    this.checks = checks;
    this.binder = binder;
    this.properties = properties;
  }

  /**
   * Creates a run. With an {@code Idempotency-Key}, a retry with the same spec returns the run the
   * first call made (200, {@code Idempotent-Replayed: true}); the same key with another spec is
   * refused with 422.
   */
  @PostMapping
  ResponseEntity<RunView> create(
      @RequestBody JsonNode body,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
      throw new InvalidRequestException(
          List.of(new FieldProblem("Idempotency-Key", "must be 1 to 255 characters")));
    }
    RunSpec spec = binder.bind(body, RunSpec.class);
    checks.check(spec);
    RunService.Created created = service.create(spec, idempotencyKey);
    if (created.replayed()) {
      return ResponseEntity.ok().header("Idempotent-Replayed", "true").body(created.run());
    }
    return ResponseEntity.created(URI.create("/api/v1/runs/" + created.run().id()))
        .body(created.run());
  }

  @GetMapping
  RunPage list(
      @RequestParam(required = false) String state,
      @RequestParam(defaultValue = "0") String page,
      @RequestParam(defaultValue = "20") String size) {
    List<FieldProblem> problems = new ArrayList<>();
    RunState filter = null;
    if (state != null) {
      try {
        filter = RunState.valueOf(state.toUpperCase());
      } catch (IllegalArgumentException e) {
        problems.add(
            new FieldProblem("state", "must be one of: " + Arrays.toString(RunState.values())));
      }
    }
    int pageNo = intParam("page", page, 0, Integer.MAX_VALUE, problems);
    int pageSize = intParam("size", size, 1, properties.maxPageSize(), problems);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    return service.list(filter, pageNo, pageSize);
  }

  @GetMapping("/{id}")
  RunView get(@PathVariable UUID id) {
    return service.get(id);
  }

  @PostMapping("/{id}/pause")
  RunView pause(@PathVariable UUID id) {
    return service.apply(id, RunCommand.PAUSE);
  }

  @PostMapping("/{id}/resume")
  RunView resume(@PathVariable UUID id) {
    return service.apply(id, RunCommand.RESUME);
  }

  @PostMapping("/{id}/cancel")
  RunView cancel(@PathVariable UUID id) {
    return service.apply(id, RunCommand.CANCEL);
  }

  private static int intParam(String name, String value, int min, int max, List<FieldProblem> out) {
    try {
      int v = Integer.parseInt(value);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    out.add(new FieldProblem(name, "must be an integer from " + min + " to " + max));
    return min;
  }
}
