package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How one outcome reward per completion becomes its advantage (verl's {@code
 * algorithm.adv_estimator}, OpenRLHF's {@code --algo.advantage.estimator}).
 */
public enum AdvantageEstimator {
  /**
   * The group mean subtracted, divided by the std that {@code rewardScaling} names (group, batch or
   * none): GRPO, TRL's default.
   */
  @JsonProperty("grpo")
  GRPO,
  /** The group mean subtracted, no std division (Dr. GRPO); {@code rewardScaling} is none. */
  @JsonProperty("dr_grpo")
  DR_GRPO,
  /** Leave-one-out baseline: r_i − mean of the other scorable rewards of the group. */
  @JsonProperty("rloo")
  RLOO,
  /**
   * The group mean subtracted, then whitened over every completion token of the batch (verl's
   * {@code reinforce_plus_plus_baseline}).
   */
  @JsonProperty("reinforce_plus_plus_baseline")
  REINFORCE_PLUS_PLUS_BASELINE
}
