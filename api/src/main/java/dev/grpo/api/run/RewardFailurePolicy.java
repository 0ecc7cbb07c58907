package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a GRPO step does with a completion one of its reward rules could not score. */
public enum RewardFailurePolicy {
  /** Leave the completion out: its reward is undefined, its advantage 0. */
  @JsonProperty("skip")
  SKIP,
  /** Score the rule 0 for this completion (the other rules still count). */
  @JsonProperty("zero")
  ZERO,
  /** Fail the step; it is retried, and the run fails when the retries run out. */
  @JsonProperty("fail")
  FAIL
}
