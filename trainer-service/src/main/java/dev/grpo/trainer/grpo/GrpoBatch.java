package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * One micro-batch of completions for {@link GrpoObjective}. B completions padded to T tokens.
 *
 * @param logp [B,T] log-probs of the sampled tokens under the current policy, with gradient
 * @param oldLogp [B,T] log-probs stored at rollout time (needed when μ &gt; 1 or the rollout policy
 *     lags); null means on-policy, and the detached {@code logp} is used so ρ = 1 (TRL)
 * @param refLogp [B,T] frozen reference log-probs; may be null only when β = 0
 * @param advantages [B] one advantage per completion, see {@link GroupAdvantages}, or [B,T] one per
 *     token (PPO's GAE, with the CLIP policy loss only)
 * @param completionMask [B,T] 1 for completion tokens up to and including EOS, 0 for padding
 * @param truncated [B] 1/true where the completion hit the length limit without EOS
 * @param entropy [B,T] per-token entropies of the current policy, or null
 * @param globalActiveTokens active tokens over every micro-batch and process of the optimizer step
 *     (after truncation masking, see {@link GrpoObjective#activeTokens}); NaN uses this batch's own
 *     count. Only the DAPO aggregation reads it.
 * @param rolloutLogp [B,T] the log-probs the rollout backend returned with the tokens (π_rollout),
 *     or null; with them the mismatch against π_old is measured and {@link
 *     GrpoConfig#rolloutCorrection()} applied
 */
public record GrpoBatch(
    NDArray logp,
    NDArray oldLogp,
    NDArray refLogp,
    NDArray advantages,
    NDArray completionMask,
    NDArray truncated,
    NDArray entropy,
    double globalActiveTokens,
    NDArray rolloutLogp) {

  public static GrpoBatch of(
      NDArray logp,
      NDArray oldLogp,
      NDArray refLogp,
      NDArray advantages,
      NDArray completionMask,
      NDArray truncated) {
    return new GrpoBatch(
        logp, oldLogp, refLogp, advantages, completionMask, truncated, null, Double.NaN, null);
  }

  public GrpoBatch withEntropy(NDArray perTokenEntropy) {
    return new GrpoBatch(
        logp,
        oldLogp,
        refLogp,
        advantages,
        completionMask,
        truncated,
        perTokenEntropy,
        globalActiveTokens,
        rolloutLogp);
  }

  public GrpoBatch withGlobalActiveTokens(double tokens) {
    return new GrpoBatch(
        logp,
        oldLogp,
        refLogp,
        advantages,
        completionMask,
        truncated,
        entropy,
        tokens,
        rolloutLogp);
  }

  public GrpoBatch withRolloutLogp(NDArray rollout) {
    return new GrpoBatch(
        logp,
        oldLogp,
        refLogp,
        advantages,
        completionMask,
        truncated,
        entropy,
        globalActiveTokens,
        rollout);
  }
}
