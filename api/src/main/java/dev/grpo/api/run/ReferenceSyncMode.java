package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Whether and how the KL reference policy follows the trained one (TRL's {@code sync_ref_model}).
 */
public enum ReferenceSyncMode {
  /** The reference stays the initial policy. */
  @JsonProperty("none")
  NONE,
  /** Every {@code everyUpdates} updates the reference becomes a copy of the policy. */
  @JsonProperty("reset")
  RESET,
  /** Every {@code everyUpdates} updates: π_ref ← α·π_θ + (1 − α)·π_ref (TR-DPO's soft update). */
  @JsonProperty("ema")
  EMA
}
