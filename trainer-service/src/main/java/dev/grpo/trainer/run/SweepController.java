package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.web.InvalidRequestException;
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

/** {@code POST /api/v1/sweeps} starts one run per grid point; {@code GET} compares them. */
@RestController
@RequestMapping("/api/v1/sweeps")
class SweepController {

  private final SweepService sweeps;

  SweepController(SweepService sweeps) {
    this.sweeps = sweeps;
  }

  /**
   * Body: {@code {"name": "...", "base": <run spec>, "grid": {"beta": [...], "temperature": [...],
   * "learningRate": [...], "seed": [...]}}}. Every point's spec is validated before any run is
   * created; errors name the field as {@code base.<path>} or {@code grid.<axis>}.
   */
  @PostMapping
  ResponseEntity<SweepService.SweepView> create(
      @RequestBody JsonNode body,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
      throw new InvalidRequestException(
          List.of(new FieldProblem("Idempotency-Key", "must be 1 to 255 characters")));
    }
    SweepService.Created created = sweeps.create(body, idempotencyKey);
    if (created.replayed()) {
      return ResponseEntity.ok().header("Idempotent-Replayed", "true").body(created.sweep());
    }
    return ResponseEntity.created(URI.create("/api/v1/sweeps/" + created.sweep().id()))
        .body(created.sweep());
  }

  @GetMapping("/{id}")
  SweepService.SweepView get(@PathVariable UUID id) {
    return sweeps.get(id);
  }
}
