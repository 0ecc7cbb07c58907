package dev.grpo.api.rollout;

import java.util.List;
import java.util.UUID;

/**
 * The completions of a rollout, one entry per prompt in request order, each with its {@code n}
 * samples ordered by sample index.
 *
 * @param generated how many samples this call generated; 0 when the ledger held them all already
 */
public record RolloutResponse(
    UUID runId, int step, String backend, int generated, List<PromptSamples> results) {

  /** The samples of one prompt. */
  public record PromptSamples(String itemId, List<Sample> samples) {}

  /**
   * One sampled completion with the exact tokens and log-probs that produced it.
   *
   * @param finishReason {@code stop} (EOS or a stop string) or {@code length} (hit max tokens)
   * @param policyVersion the policy version the backend held when it sampled
   * @param backend the backend that sampled it
   * @param completionId the ledger id of the stored completion; rewards of it are stored by it
   */
  public record Sample(
      int index,
      String text,
      int[] tokenIds,
      float[] logprobs,
      String finishReason,
      long policyVersion,
      String backend,
      long completionId) {}
}
