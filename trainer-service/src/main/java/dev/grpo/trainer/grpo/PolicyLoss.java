package dev.grpo.trainer.grpo;

/** The per-token policy objective; verl's {@code actor.policy_loss.loss_mode}. */
public enum PolicyLoss {
  /**
   * PPO's clipped surrogate on the token ratio ρ_t = π_θ/π_old ({@link ClippedPolicyLoss}): TRL's
   * {@code importance_sampling_level="token"} with a clipped {@code loss_type}, verl {@code
   * vanilla}.
   */
  CLIP,
  /**
   * GSPO (Zheng et al. 2025): the same clipped surrogate on s_i = exp(mean over the sequence's
   * active tokens of log π_θ − log π_old), written per token as sg[s_i]·π_θ/sg[π_θ] so the value is
   * s_i and the gradient flows through every token's log π_θ. TRL {@code
   * importance_sampling_level="sequence"}, verl {@code loss_mode=gspo}. Defined with the
   * sequence-mean-token-mean aggregation ({@link LossAggregation#GRPO}).
   */
  GSPO,
  /**
   * CISPO (MiniMax-M1): −sg(clip(ρ_t, 1−ε_low, 1+ε_high))·A·log π_θ per token, so clipping bounds
   * the weight but never drops a token's gradient. verl {@code loss_mode=cispo}; TRL {@code
   * loss_type="cispo"} clips only from above at {@code epsilon_high} (ε_low = 1, ε_high = that − 1
   * here).
   */
  CISPO
}
