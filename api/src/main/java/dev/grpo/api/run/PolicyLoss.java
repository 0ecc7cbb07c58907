package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The per-token policy objective (verl's {@code actor.policy_loss.loss_mode}). */
public enum PolicyLoss {
  /** PPO's clipped surrogate on the token ratio (TRL's default, verl {@code vanilla}). */
  @JsonProperty("clip")
  CLIP,
  /**
   * GSPO: the clipped surrogate on the sequence ratio, the geometric mean of the token ratios (TRL
   * {@code importance_sampling_level="sequence"}, verl {@code gspo}).
   */
  @JsonProperty("gspo")
  GSPO,
  /**
   * CISPO: −sg(clip(ρ))·A·log π per token; every token keeps a gradient (verl {@code cispo}, TRL
   * {@code loss_type="cispo"}).
   */
  @JsonProperty("cispo")
  CISPO,
  /**
   * PPO with a value model (the DeepSeek papers' baseline): the clip surrogate on per-token GAE
   * advantages from a critic ({@code algorithm.valueModel}, {@code algorithm.gae}) instead of the
   * group's advantages (verl {@code adv_estimator=gae} with a critic, TRL {@code PPOTrainer}).
   */
  @JsonProperty("ppo")
  PPO
}
