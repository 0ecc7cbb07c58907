package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Schulman's estimators of KL(π‖π_ref) from samples of π. */
public enum KlEstimator {
  @JsonProperty("k1")
  K1,
  @JsonProperty("k2")
  K2,
  @JsonProperty("k3")
  K3
}
