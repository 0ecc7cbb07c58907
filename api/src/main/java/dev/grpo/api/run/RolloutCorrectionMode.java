package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the trainer does about the rollout backend's log-probs differing from its own recomputation
 * of the sampling policy (verl's {@code rollout_correction}, TRL's {@code
 * vllm_importance_sampling_mode}, OpenRLHF's {@code is_correction_type}).
 */
public enum RolloutCorrectionMode {
  /** Nothing; the mismatch is only measured. */
  @JsonProperty("none")
  NONE,
  /** Each token's policy loss × min(π_old/π_rollout, cap). */
  @JsonProperty("truncated_is")
  TRUNCATED_IS,
  /** Tokens whose ratio leaves [lower, upper] leave the loss and its normaliser. */
  @JsonProperty("mask_token")
  MASK_TOKEN,
  /** Sequences whose geometric-mean ratio leaves [lower, upper] leave the loss. */
  @JsonProperty("mask_sequence")
  MASK_SEQUENCE
}
