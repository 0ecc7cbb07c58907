package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How per-token losses become one scalar (TRL's {@code loss_type}). */
public enum LossAggregation {
  /** Mean over sequences of per-sequence token means (the original GRPO paper). */
  @JsonProperty("grpo")
  GRPO,
  /** Token mean over the local batch (TRL 0.18's default, open-r1). */
  @JsonProperty("bnpo")
  BNPO,
  /** Token sum divided by (batch size · max completion length): Dr. GRPO. */
  @JsonProperty("dr_grpo")
  DR_GRPO,
  /** Token mean over the global batch (DAPO; TRL's current default). */
  @JsonProperty("dapo")
  DAPO
}
