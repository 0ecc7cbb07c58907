package dev.grpo.policy.chat;

/**
 * Jinja's {@code raise_exception(message)} as Hugging Face chat templates call it, e.g.
 * "Conversation roles must alternate user/assistant/user/assistant/...".
 */
final class RaisedByTemplate extends RuntimeException {

  RaisedByTemplate(String message) {
    super(message);
  }

  /** The function bound to {@code raise_exception} in every template. */
  public static Object raise(String message) {
    throw new RaisedByTemplate(message);
  }
}
