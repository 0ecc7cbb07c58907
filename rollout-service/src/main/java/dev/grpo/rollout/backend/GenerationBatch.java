package dev.grpo.rollout.backend;

import dev.grpo.api.rollout.RolloutRequest.Sampling;
import java.util.List;

/**
 * Prompts to sample from, all with the same group size and sampling settings.
 *
 * @param requestId a prefix that engine logs and traces share with the ledger rows
 */
public record GenerationBatch(
    String requestId, List<PromptInput> prompts, int n, Sampling sampling) {

  /** A prompt as text or as token ids (exactly one of the two). */
  public record PromptInput(String itemId, String text, int[] tokenIds) {}
}
