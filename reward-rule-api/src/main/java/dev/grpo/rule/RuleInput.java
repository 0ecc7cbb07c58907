package dev.grpo.rule;

/**
 * One completion to score, with what a rule may need to know about it.
 *
 * @param id the caller's id of the completion, echoed in logs and results; may be null
 * @param prompt the prompt text; may be null
 * @param completion the generated text; never null when a rule sees it (an item without one is
 *     answered {@link RuleStatus#INVALID_INPUT} before any rule is called)
 * @param reference what the dataset knows about the expected answer; may be null
 * @param completionTokens number of generated tokens; null when the caller does not know
 * @param maxTokens the generation limit the completion was sampled with; may be null
 * @param correct whether the final answer is correct, as decided upstream (e.g. by {@code
 *     math_accuracy}); null when unknown. Length rules that depend on correctness need it.
 */
public record RuleInput(
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
   * @param answer the gold answer; may be null
   * @param tests test cases for code rules, any JSON as maps, lists and scalars; may be null
   * @param language the expected language of the chain of thought, an ISO 639-1 code; may be null
   */
  public record Reference(String answer, Object tests, String language) {}

  /** A completion with nothing else known about it. */
  public static RuleInput ofCompletion(String completion) {
    return new RuleInput(null, null, completion, null, null, null, null);
  }

  /** The reference answer, or null when there is no reference or no answer. */
  public String answer() {
    return reference == null ? null : reference.answer();
  }

  /** The reference tests, or null when there is no reference or no tests. */
  public Object tests() {
    return reference == null ? null : reference.tests();
  }

  /** The reference language, or null when there is no reference or no language. */
  public String language() {
    return reference == null ? null : reference.language();
  }
}
