package dev.grpo.api.rollout;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/**
 * {@code POST /api/v1/policies/sync}: make a backend serve the weights of {@code checkpointUri} as
 * {@code policyVersion}. Repeating a sync that already took effect is a no-op.
 *
 * @param backend the configured backend to update; absent means the default backend
 */
public record PolicySyncRequest(
    @NotNull UUID runId,
    @NotNull @PositiveOrZero Long policyVersion,
    @NotBlank @Size(max = 4096) String checkpointUri,
    @Pattern(regexp = "[a-z][a-z0-9_-]{0,63}", message = "must be a backend name")
        String backend) {}
