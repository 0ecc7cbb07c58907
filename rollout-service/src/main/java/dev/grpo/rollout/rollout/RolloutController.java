package dev.grpo.rollout.rollout;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.rollout.config.RolloutProperties;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Samples groups of completions for a step's prompts. */
@RestController
@RequestMapping("/api/v1/rollouts")
class RolloutController {

  private final RolloutService service;
  private final RecordBinder binder;
  private final RolloutProperties properties;

  RolloutController(RolloutService service, RecordBinder binder, RolloutProperties properties) {
    this.service = service;
    this.binder = binder;
    this.properties = properties;
  }

  /**
   * Returns {@code n} completions per prompt with token ids, log-probs, finish reason and policy
   * version. Idempotent on (run, step, item, sample index): a retry returns the stored samples.
   */
  @PostMapping
  RolloutResponse rollout(
      // bound by RecordBinder so that every invalid field is reported; the schema is the record's
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = RolloutRequest.class)))
          @RequestBody
          JsonNode body) {
    RolloutRequest request = binder.bind(body, RolloutRequest.class);
    List<FieldProblem> problems = new ArrayList<>(request.crossFieldProblems());
    long completions = (long) request.prompts().size() * request.n();
    if (completions > properties.maxCompletionsPerRequest()) {
      problems.add(
          new FieldProblem(
              "n",
              "prompts × n is %d, more than the %d completions one request may ask for"
                  .formatted(completions, properties.maxCompletionsPerRequest())));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    return service.rollout(request);
  }
}
