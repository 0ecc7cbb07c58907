package dev.grpo.trainer.rm;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Why a preference row was left out of a reward-model run. Every one is counted and reported. */
public enum PreferenceRejection {
  /** Not a JSON object, or the layout's fields are not where the format says. */
  @JsonProperty("malformed")
  MALFORMED,
  /** The chosen or the rejected response is absent, null or blank. */
  @JsonProperty("missing_side")
  MISSING_SIDE,
  /** Chosen and rejected are the same text: the pair prefers nothing. */
  @JsonProperty("identical")
  IDENTICAL,
  /** The prompt and a response together are longer than the model's context. */
  @JsonProperty("too_long")
  TOO_LONG
}
