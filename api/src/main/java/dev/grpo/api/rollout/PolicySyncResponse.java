package dev.grpo.api.rollout;

/**
 * What a sync did.
 *
 * @param changed false when the backend already held this version (a repeated sync)
 */
public record PolicySyncResponse(
    String backend, long policyVersion, String checkpointUri, boolean changed) {}
