package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which standard deviation divides the centred rewards (TRL's {@code scale_rewards}). */
public enum RewardScaling {
  @JsonProperty("group")
  GROUP,
  @JsonProperty("batch")
  BATCH,
  /** No division (Dr. GRPO). */
  @JsonProperty("none")
  NONE
}
