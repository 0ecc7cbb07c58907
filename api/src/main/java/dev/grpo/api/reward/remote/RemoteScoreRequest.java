package dev.grpo.api.reward.remote;

import java.util.List;

/**
 * Body of {@code POST {rule url}/score}: the items of one group (same {@code groupId}, else same
 * prompt, in the reward service's score request; an item with neither is sent alone). Every field
 * is always written, null included.
 *
 * @param items the completions to score, in the order the results must come back
 */
public record RemoteScoreRequest(List<Item> items) {

  /**
   * One completion.
   *
   * @param id the caller's id of the completion; may be null
   * @param prompt the prompt text; may be null
   * @param completion the generated text; the reward service never sends a null completion (it
   *     answers INVALID_INPUT itself), but a rule service should not rely on that
   * @param reference what the dataset knows about the expected answer; may be null
   */
  public record Item(String id, String prompt, String completion, Reference reference) {}

  /**
   * The dataset side of an item, as the score request carried it.
   *
   * @param answer the gold answer; may be null
   * @param tests test cases for code rules, any JSON; may be null
   * @param language the expected language of the reasoning, an ISO 639-1 code; may be null
   */
  public record Reference(String answer, Object tests, String language) {}
}
