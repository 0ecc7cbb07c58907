package dev.grpo.reward.rule;

/**
 * One completion to score, with what the rules may need to know about it.
 *
 * @param id caller's identifier of the completion, echoed in logs and results
 * @param prompt the prompt text, may be null
 * @param completion the completion text; a null completion is answered with {@link
 *     RuleStatus#INVALID_INPUT} by {@link ConfiguredRule} before any rule sees it
 * @param reference what the dataset knows about the expected answer, may be null
 * @param completionTokens number of generated tokens, may be null when the caller does not know
 * @param maxTokens the generation limit the completion was sampled with, may be null
 * @param correct whether the final answer is correct, as decided upstream (e.g. by {@code
 *     math_accuracy}); null when unknown. Length rules that depend on correctness need it.
 */
public record ScoringInput(
    String id,
    String prompt,
    String completion,
    Reference reference,
    Integer completionTokens,
    Integer maxTokens,
    Boolean correct) {

  /**
   * The dataset side of an item.
   *
   * @param answer the gold answer, may be null
   * @param tests test cases for code rules; opaque here, may be null
   * @param language the expected language of the chain of thought, an ISO 639-1 code; may be null
   */
  public record Reference(String answer, Object tests, String language) {}

  /** Convenience for rules that only look at the text. */
  public static ScoringInput ofCompletion(String completion) {
    return new ScoringInput(null, null, completion, null, null, null, null);
  }

  /** The reference language, or null when there is no reference or no language. */
  public String referenceLanguage() {
    return reference == null ? null : reference.language();
  }
}
