package dev.grpo.policy.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation, as Hugging Face chat templates read it ({@code message['role']},
 * {@code message['content']}).
 *
 * @param role {@code system}, {@code user} or {@code assistant} (templates decide what they accept)
 * @param content the text of the turn
 */
public record ChatMessage(String role, String content) {

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }

  public static ChatMessage system(String content) {
    return new ChatMessage("system", content);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }

  /** The message as the template sees it: a dict with {@code role} then {@code content}. */
  Map<String, Object> asTemplateValue() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("role", role);
    value.put("content", content);
    return value;
  }
}
