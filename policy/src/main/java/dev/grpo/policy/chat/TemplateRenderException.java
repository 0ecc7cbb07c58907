package dev.grpo.policy.chat;

/**
 * A prompt template that could not be rendered: a Jinja syntax error, an error raised by the
 * template itself ({@code raise_exception(...)}), or a model without a chat template.
 */
public final class TemplateRenderException extends RuntimeException {

  private final String templateName;
  private final String reason;

  public TemplateRenderException(String templateName, String reason) {
    super("chat template '" + templateName + "' cannot be rendered: " + reason);
    this.templateName = templateName;
    this.reason = reason;
  }

  /** The name the template was given (for a model's own template, its folder). */
  public String templateName() {
    return templateName;
  }

  /** Why it failed, in one line fit for an API client: no stack trace, at most the faulty tag. */
  public String reason() {
    return reason;
  }
}
