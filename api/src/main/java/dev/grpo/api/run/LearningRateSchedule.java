package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The learning rate after linear warm-up. */
public enum LearningRateSchedule {
  @JsonProperty("constant")
  CONSTANT,
  @JsonProperty("cosine")
  COSINE
}
