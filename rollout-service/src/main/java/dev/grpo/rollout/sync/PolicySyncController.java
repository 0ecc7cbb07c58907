package dev.grpo.rollout.sync;

import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.PolicySyncResponse;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendProblems;
import dev.grpo.rollout.backend.BackendRegistry;
import dev.grpo.rollout.backend.InferenceBackend;
import dev.grpo.rollout.backend.WeightUpdate;
import dev.grpo.web.ApiException;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Moves a backend to new weights after a training step: a LoRA adapter loaded at runtime, or the
 * backend's reload hook. The backend then reports the new policy version, and rollouts asking for
 * it are served.
 */
@RestController
@RequestMapping("/api/v1/policies")
class PolicySyncController {

  private final BackendRegistry backends;
  private final RunRepository runs;
  private final RecordBinder binder;

  PolicySyncController(BackendRegistry backends, RunRepository runs, RecordBinder binder) {
    this.backends = backends;
    this.runs = runs;
    this.binder = binder;
  }

  @PostMapping("/sync")
  PolicySyncResponse sync(
      // bound by RecordBinder so that every invalid field is reported; the schema is the record's
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = PolicySyncRequest.class)))
          @RequestBody
          JsonNode body) {
    PolicySyncRequest request = binder.bind(body, PolicySyncRequest.class);
    InferenceBackend backend = BackendProblems.require(backends, request.backend());
    if (!runs.existsById(request.runId())) {
      throw ApiException.notFound("run", request.runId());
    }
    boolean changed;
    try {
      changed =
          backend.syncWeights(
              new WeightUpdate(request.runId(), request.policyVersion(), request.checkpointUri()));
    } catch (BackendException e) {
      throw BackendProblems.toProblem(e);
    }
    return new PolicySyncResponse(
        backend.name(),
        backend.policyVersion(request.runId()),
        backend.checkpointUri(request.runId()),
        changed);
  }
}
