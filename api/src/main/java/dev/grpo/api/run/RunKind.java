package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a run trains. */
public enum RunKind {
  /** A policy, by GRPO on rewarded rollouts (the default). */
  @JsonProperty("grpo")
  GRPO,
  /**
   * A scalar reward model, by the pairwise Bradley–Terry loss on preference pairs ({@link
   * RunSpec#rewardModel}).
   */
  @JsonProperty("reward_model")
  REWARD_MODEL
}
