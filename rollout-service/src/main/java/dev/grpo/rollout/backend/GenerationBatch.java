package dev.grpo.rollout.backend;

import dev.grpo.api.rollout.RolloutRequest.Sampling;
import java.util.List;
import java.util.UUID;

/**
 * Prompts to sample from, all with the same group size and sampling settings.
 *
 * @param runId the run whose policy samples (a backend may hold one policy per run)
 * @param requestId a prefix that engine logs and traces share with the ledger rows
 */
public record GenerationBatch(
    UUID runId, String requestId, List<PromptInput> prompts, int n, Sampling sampling) {

  /** A prompt as text or as token ids (exactly one of the two). */
  public record PromptInput(String itemId, String text, int[] tokenIds) {}
}
