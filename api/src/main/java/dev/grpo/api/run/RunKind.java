package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a run does with its policy. A run alone is {@code grpo}; the other kinds are the stages of a
 * pipeline (see {@code POST /api/v1/pipelines}), though each can also be created as a run.
 */
public enum RunKind {
  /** GRPO steps (today's run). */
  @JsonProperty("grpo")
  GRPO,
  /** Supervised fine-tuning on a ledger dataset or on the worked solutions of the run's data. */
  @JsonProperty("sft")
  SFT,
  /** N samples per prompt from a checkpoint, scored, filtered by thresholds into a dataset. */
  @JsonProperty("rejection_sampling")
  REJECTION_SAMPLING,
  /** The held-out evaluation of a checkpoint. */
  @JsonProperty("eval")
  EVAL,
  /** SFT of a student model on the samples a teacher checkpoint writes. */
  @JsonProperty("distill")
  DISTILL,
  /**
   * A scalar reward model, by the pairwise Bradley–Terry loss on preference pairs ({@link
   * RunSpec#rewardModel}).
   */
  @JsonProperty("reward_model")
  REWARD_MODEL
}
