package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a run's prompts come from. */
public enum DataSource {
  /** Items given in the spec itself. */
  @JsonProperty("inline")
  INLINE,
  /** A JSONL file readable by the trainer. */
  @JsonProperty("jsonl")
  JSONL,
  /**
   * A dataset file in one of the formats of {@code data.format}: GSM8K, MATH, HumanEval, MBPP, or
   * any JSONL or Parquet file read through {@code data.fields}.
   */
  @JsonProperty("file")
  FILE,
  /** A built-in generator (for example {@code arithmetic}). */
  @JsonProperty("generator")
  GENERATOR
}
