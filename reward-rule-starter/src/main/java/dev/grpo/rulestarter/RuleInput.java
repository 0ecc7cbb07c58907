package dev.grpo.rulestarter;

import dev.grpo.api.reward.remote.RemoteScoreRequest;

/**
 * One completion to score, as the reward service sent it.
 *
 * @param id the caller's id of the completion; may be null
 * @param prompt the prompt text; may be null
 * @param completion the generated text; never null (an item without one is answered {@code
 *     INVALID_INPUT} before the rule sees it)
 * @param answer the reference answer; may be null
 * @param tests the reference tests, any JSON as maps, lists and scalars; may be null
 * @param language the expected language of the reasoning (ISO 639-1); may be null
 */
public record RuleInput(
    String id, String prompt, String completion, String answer, Object tests, String language) {

  /** A completion with nothing else known about it. */
  public static RuleInput ofCompletion(String completion) {
    return new RuleInput(null, null, completion, null, null, null);
  }

  static RuleInput of(RemoteScoreRequest.Item item) {
    RemoteScoreRequest.Reference ref = item.reference();
    return new RuleInput(
        item.id(),
        item.prompt(),
        item.completion(),
        ref == null ? null : ref.answer(),
        ref == null ? null : ref.tests(),
        ref == null ? null : ref.language());
  }
}
