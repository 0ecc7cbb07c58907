package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where PPO's value model reads its features ({@code algorithm.valueModel.kind}). */
public enum ValueModelKind {
  /** A scalar linear head on the policy's final hidden states (only the head is trained). */
  @JsonProperty("head")
  HEAD,
  /** A separate decoder with a scalar head, trained end to end (verl's {@code critic}). */
  @JsonProperty("separate")
  SEPARATE
}
