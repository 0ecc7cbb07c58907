package dev.grpo.trainer.run;

import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunState;
import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A run as the API shows it, with its resolved spec (defaults included). */
public record RunView(
    UUID id,
    String name,
    RunState state,
    int currentStep,
    long policyVersion,
    UUID sweepId,
    String error,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt,
    JsonNode spec) {

  static RunView of(Run run, JsonNode spec) {
    return new RunView(
        run.getId(),
        run.getName(),
        run.getState(),
        run.getCurrentStep(),
        run.getPolicyVersion(),
        run.getSweepId(),
        run.getError(),
        run.getCreatedAt(),
        run.getUpdatedAt(),
        run.getStartedAt(),
        run.getFinishedAt(),
        spec);
  }
}
