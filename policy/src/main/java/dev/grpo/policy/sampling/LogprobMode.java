package dev.grpo.policy.sampling;

/**
 * Which log-probability {@link BatchSampler} reports for each sampled token.
 *
 * <p>GRPO/PPO importance ratios compare the sampler's log-probs with the trainer's recomputation
 * ({@code DecoderModel.logProbs(prompts, completions, temperature, scope)}), which applies the
 * temperature but never top-k/top-p. Reporting the truncated, renormalised distribution instead
 * (vLLM's {@code processed_logprobs}) biases every ratio upwards, so {@link #RAW} is the default.
 */
public enum LogprobMode {
  /**
   * {@code log_softmax(logits / temperature)} over the full vocabulary, before top-k/top-p
   * truncation; temperature 1 when decoding greedily. Equals {@code DecoderModel.logProbs} at the
   * same temperature.
   */
  RAW,
  /**
   * Log-probability under the distribution actually sampled from: temperature, then top-k, then
   * top-p, renormalised over the kept tokens. 0 for greedy decoding.
   */
  PROCESSED
}
