package dev.grpo.policy.chat;

/**
 * A prompt ready to tokenize, and the text it ends with that belongs to the completion.
 *
 * @param text the whole prompt
 * @param completionPrefix what the prompt pre-fills of the model's answer ({@code <think>} when the
 *     think tag is pre-filled, else empty): the model never generates it, but a scorer checking the
 *     {@code <think>…</think><answer>…</answer>} format must see it
 */
public record RenderedPrompt(String text, String completionPrefix) {

  /** The completion as a scorer must see it: the pre-filled prefix restored. */
  public String scoredCompletion(String completion) {
    return completionPrefix + completion;
  }
}
