package dev.grpo.rollout.backend;

/**
 * One completion as the backend produced it.
 *
 * @param tokenIds the sampled token ids, stop tokens included
 * @param logprobs the log-prob of each sampled token, parallel to {@code tokenIds}
 * @param finishReason {@code stop} or {@code length}
 */
public record GeneratedSample(String text, int[] tokenIds, float[] logprobs, String finishReason) {

  public GeneratedSample {
    if (tokenIds.length != logprobs.length) {
      throw new IllegalArgumentException(
          tokenIds.length + " token ids but " + logprobs.length + " log-probs");
    }
    if (!"stop".equals(finishReason) && !"length".equals(finishReason)) {
      throw new IllegalArgumentException("finish reason must be stop or length: " + finishReason);
    }
  }
}
