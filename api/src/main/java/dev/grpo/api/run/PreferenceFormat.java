package dev.grpo.api.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The layout of a preference-pair JSONL file. */
public enum PreferenceFormat {
  /** One pair per line: {@code prompt}, {@code chosen}, {@code rejected} strings. */
  @JsonProperty("pairs")
  PAIRS,
  /**
   * Anthropic HH-RLHF: {@code chosen} and {@code rejected} are whole transcripts ({@code
   * "\n\nHuman: … \n\nAssistant: …"}) that share the prompt up to the last {@code
   * "\n\nAssistant:"}.
   */
  @JsonProperty("hh")
  HH,
  /**
   * UltraFeedback binarized: {@code prompt} a string, {@code chosen} and {@code rejected} message
   * lists ({@code role}, {@code content}) whose last assistant message is the response.
   */
  @JsonProperty("ultrafeedback")
  ULTRAFEEDBACK
}
