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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Moves a backend to new weights after a training step: a LoRA adapter loaded at runtime, a full
 * reload from the shared volume through the server's own API (SGLang, vLLM), or the backend's
 * reload hook. The backend then reports the new policy version, and rollouts asking for it are
 * served. Each sync that moved a backend is timed in {@code rollout.weight.sync.duration{backend}}
 * and its safetensors bytes (for a version on a local or shared volume) counted in {@code
 * rollout.weight.sync.bytes{backend}}; a sync the backend refused or failed (an adapter the server
 * rejects, a reload that failed) is counted in {@code rollout.weight.sync.failures{backend, kind}}
 * and the backend keeps serving its last good version.
 */
@RestController
@RequestMapping("/api/v1/policies")
class PolicySyncController {

  private final BackendRegistry backends;
  private final RunRepository runs;
  private final RecordBinder binder;

  private final MeterRegistry meters;

  PolicySyncController(
      BackendRegistry backends, RunRepository runs, RecordBinder binder, MeterRegistry meters) {
    this.backends = backends;
    this.runs = runs;
    this.binder = binder;
    this.meters = meters;
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
    long start = System.nanoTime();
    try {
      changed =
          backend.syncWeights(
              new WeightUpdate(request.runId(), request.policyVersion(), request.checkpointUri()));
    } catch (BackendException e) {
      // the backend keeps serving its last good version; the trainer hears why in the problem
      Counter.builder("rollout.weight.sync.failures")
          .description("weight syncs a backend refused or failed, by kind")
          .tag("backend", backend.name())
          .tag("kind", e.kind().name().toLowerCase(java.util.Locale.ROOT))
          .register(meters)
          .increment();
      if (e.kind() == BackendException.Kind.REJECTED) {
        // the server refused these weights (an adapter it cannot load): a retry cannot help
        throw new ApiException(
            org.springframework.http.HttpStatus.valueOf(422),
            "weight-sync-rejected",
            e.getMessage());
      }
      throw BackendProblems.toProblem(e);
    }
    if (changed) {
      Timer.builder("rollout.weight.sync.duration")
          .description("time to move a backend to new weights, per sync that moved it")
          .tag("backend", backend.name())
          .register(meters)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      long bytes = safetensorsBytes(request.checkpointUri());
      if (bytes >= 0) {
        DistributionSummary.builder("rollout.weight.sync.bytes")
            .description("safetensors bytes of the version a sync moved a backend to")
            .baseUnit("bytes")
            .tag("backend", backend.name())
            .register(meters)
            .record(bytes);
      }
    }
    return new PolicySyncResponse(
        backend.name(),
        backend.policyVersion(request.runId()),
        backend.checkpointUri(request.runId()),
        changed);
  }

  /** The safetensors bytes of a version directory this service can see, else -1. */
  static long safetensorsBytes(String checkpointUri) {
    Path dir;
    try {
      dir =
          checkpointUri.startsWith("file:")
              ? Path.of(URI.create(checkpointUri))
              : Path.of(checkpointUri);
    } catch (RuntimeException notAPath) {
      return -1;
    }
    if (!dir.isAbsolute() || !Files.isDirectory(dir)) {
      return -1;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".safetensors"))
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      return -1;
    }
  }
}
