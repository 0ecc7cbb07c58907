package dev.grpo.rollout.backend;

import java.util.UUID;

/** New weights for a backend: the checkpoint of a run at a policy version. */
public record WeightUpdate(UUID runId, long policyVersion, String checkpointUri) {}
