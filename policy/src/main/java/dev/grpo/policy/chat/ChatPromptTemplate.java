package dev.grpo.policy.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A question as the user turn of a chat template, ready for the assistant's answer. With the think
 * block pre-filled, a prompt the template already ends in {@code <think>} (or {@code <think>\n}, as
 * DeepSeek-R1's distilled models do) is kept as it is, and that ending is the completion prefix.
 */
record ChatPromptTemplate(ChatTemplate template, String systemPrompt, boolean thinkPrefilled)
    implements PromptTemplate {

  @Override
  public RenderedPrompt render(String question) {
    List<ChatMessage> messages = new ArrayList<>(2);
    if (systemPrompt != null) {
      messages.add(ChatMessage.system(systemPrompt));
    }
    messages.add(ChatMessage.user(question));
    String prompt = template.render(messages, true);
    if (!thinkPrefilled) {
      return new RenderedPrompt(prompt, "");
    }
    for (String opened : List.of(THINK_PREFIX + "\n", THINK_PREFIX)) {
      if (prompt.endsWith(opened)) {
        return new RenderedPrompt(prompt, opened);
      }
    }
    return new RenderedPrompt(prompt + THINK_PREFIX, THINK_PREFIX);
  }
}
