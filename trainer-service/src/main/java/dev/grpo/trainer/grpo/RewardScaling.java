package dev.grpo.trainer.grpo;

/**
 * How group-relative advantages are divided by a standard deviation. Mirrors TRL's {@code
 * scale_rewards}; the mean subtracted is always the group mean.
 */
public enum RewardScaling {
  /**
   * Divide by the group's std (TRL {@code "group"}, verl {@code norm_adv_by_std_in_grpo=true},
   * OpenRLHF {@code group_norm}).
   */
  GROUP,
  /** Divide by the std of the whole batch (TRL {@code "batch"}, the Lite-PPO variant). */
  BATCH,
  /**
   * No division, only the group mean is subtracted (Dr. GRPO; TRL {@code "none"}, verl {@code
   * norm_adv_by_std_in_grpo=false}, OpenRLHF {@code dr_grpo}).
   */
  NONE
}
