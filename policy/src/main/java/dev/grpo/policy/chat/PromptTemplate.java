package dev.grpo.policy.chat;

import java.util.Objects;

/**
 * How a dataset's question becomes the text the policy is prompted with: the model's chat template,
 * the DeepSeek-R1 template, or the question as it is.
 */
public sealed interface PromptTemplate permits ChatPromptTemplate, R1PromptTemplate, PlainPrompt {

  /** What a pre-filled prompt ends with, and the scorer sees in front of the completion. */
  String THINK_PREFIX = "<think>";

  /**
   * The question as the user turn of {@code template} (after {@code systemPrompt} when given), with
   * the generation prompt.
   *
   * @param systemPrompt the system turn, or null for none (the template may add its default)
   * @param thinkPrefilled end the prompt with {@code <think>} unless the template already opens the
   *     think block itself
   */
  static PromptTemplate chat(ChatTemplate template, String systemPrompt, boolean thinkPrefilled) {
    return new ChatPromptTemplate(Objects.requireNonNull(template), systemPrompt, thinkPrefilled);
  }

  /**
   * DeepSeek-R1's plain-text template ("A conversation between User and Assistant. ... User:
   * {question}. Assistant:"), without any chat markup.
   *
   * @param thinkPrefilled end the prompt with {@code " <think>"}
   */
  static PromptTemplate r1(boolean thinkPrefilled) {
    return new R1PromptTemplate(thinkPrefilled);
  }

  /** The question unchanged (the built-in character-level demo). */
  static PromptTemplate plain() {
    return new PlainPrompt();
  }

  /**
   * The prompt for one question.
   *
   * @throws TemplateRenderException when a chat template fails on it
   */
  RenderedPrompt render(String question);
}
