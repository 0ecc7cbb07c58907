package dev.grpo.trainer.step;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.ledger.completion.StepSamples;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * What a run did, step by step: {@code GET /runs/{id}/steps} (metrics and phase timings), {@code
 * GET /runs/{id}/samples?step=} (completions with their per-rule rewards), {@code GET
 * /runs/{id}/evals} (held-out evaluations), {@code GET /runs/{id}/events} (server-sent events).
 */
@RestController
@RequestMapping("/api/v1/runs/{id}")
class StepController {

  /** A page of steps. */
  record StepPage(UUID runId, List<StepLedger.StepRow> steps) {}

  /** The held-out evaluations of a run. */
  record EvalPage(UUID runId, List<StepLedger.EvalRow> evals) {}

  /** A page of samples. */
  record SamplePage(
      UUID runId,
      int step,
      int page,
      int size,
      long totalItems,
      List<StepSamples.Sample> samples) {}

  private final RunRepository runs;
  private final StepLedger steps;
  private final StepSamples samples;
  private final RunEvents events;

  StepController(RunRepository runs, StepLedger steps, StepSamples samples, RunEvents events) {
    this.runs = runs;
    this.steps = steps;
    this.samples = samples;
    this.events = events;
  }

  @GetMapping("/steps")
  StepPage steps(
      @PathVariable UUID id,
      @RequestParam(defaultValue = "0") String from,
      @RequestParam(defaultValue = "1000") String limit) {
    List<FieldProblem> problems = new ArrayList<>();
    int fromStep = intParam("from", from, 0, Integer.MAX_VALUE, problems);
    int max = intParam("limit", limit, 1, 10_000, problems);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    requireRun(id);
    return new StepPage(id, steps.steps(id, fromStep, max));
  }

  @GetMapping("/evals")
  EvalPage evals(@PathVariable UUID id) {
    requireRun(id);
    return new EvalPage(id, steps.evals(id));
  }

  @GetMapping("/samples")
  SamplePage samples(
      @PathVariable UUID id,
      @RequestParam(required = false) String step,
      @RequestParam(defaultValue = "0") String page,
      @RequestParam(defaultValue = "100") String size) {
    List<FieldProblem> problems = new ArrayList<>();
    if (step == null) {
      problems.add(new FieldProblem("step", "is required: the step whose samples to list"));
    }
    int stepNo = step == null ? 0 : intParam("step", step, 0, Integer.MAX_VALUE, problems);
    int pageNo = intParam("page", page, 0, Integer.MAX_VALUE, problems);
    int pageSize = intParam("size", size, 1, 1000, problems);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    requireRun(id);
    return new SamplePage(
        id,
        stepNo,
        pageNo,
        pageSize,
        samples.count(id, stepNo),
        samples.page(id, stepNo, pageNo, pageSize));
  }

  /**
   * Server-sent events: one {@code step} event per finished step (its id is the step number, so a
   * client that reconnects with {@code Last-Event-ID} continues after it), an {@code eval} event
   * per evaluation, and a final {@code end} event with the run's terminal state. The stream reads
   * the ledger, so it shows the run whichever trainer drives it.
   */
  @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events(
      @PathVariable UUID id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
    requireRun(id);
    int next = 0;
    if (lastEventId != null) {
      try {
        next = Integer.parseInt(lastEventId.trim()) + 1;
      } catch (NumberFormatException e) {
        throw new InvalidRequestException(
            List.of(new FieldProblem("Last-Event-ID", "must be a step number")));
      }
    }
    return events.open(id, next);
  }

  private void requireRun(UUID id) {
    if (!runs.existsById(id)) {
      throw ApiException.notFound("run", id);
    }
  }

  static int intParam(String name, String value, int min, int max, List<FieldProblem> out) {
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
