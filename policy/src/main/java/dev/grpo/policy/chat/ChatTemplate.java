package dev.grpo.policy.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateError.ErrorType;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.policy.tokenizer.SpecialTokens;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face Jinja chat template, rendered as {@code tokenizer.apply_chat_template(messages,
 * tokenize=False, add_generation_prompt=...)} renders it: the variables are {@code messages},
 * {@code add_generation_prompt} and the tokenizer's special tokens ({@code bos_token}, {@code
 * eos_token}, ...). Safe to share between threads.
 */
public final class ChatTemplate {

  /**
   * {@code {% for x in xs if cond %}}: Jinjava reads the filter as a conditional expression and
   * renders no iteration at all, a silently wrong prompt; such a template is refused instead.
   */
  private static final Pattern LOOP_FILTER =
      Pattern.compile("\\{%[-+]?\\s*for\\s[^%]*?\\sin\\s[^%]*?\\sif\\s[^%]*%\\}");

  private final String name;
  private final String source;
  private final Map<String, Object> tokenVariables;
  private final Jinjava jinjava;
  private final String unsupported;

  private ChatTemplate(String name, String source, Map<String, Object> tokenVariables) {
    this.name = name;
    this.source = JinjaEnvironment.normalizeSource(source);
    Matcher loopFilter = LOOP_FILTER.matcher(this.source);
    this.unsupported =
        loopFilter.find()
            ? "loop filters are not supported: "
                + loopFilter.group()
                + " (use an if inside the loop)"
            : null;
    this.tokenVariables = Map.copyOf(tokenVariables);
    this.jinjava = JinjaEnvironment.create();
  }

  /**
   * A template from its Jinja source, e.g. one given in a run spec.
   *
   * @param name how errors name it
   * @param tokens the special tokens the template may refer to
   */
  public static ChatTemplate of(String name, String source, SpecialTokens tokens) {
    Objects.requireNonNull(source, "source");
    return new ChatTemplate(name, source, tokens.templateVariables());
  }

  /**
   * The model's own {@code chat_template}.
   *
   * @throws TemplateRenderException when the model folder has none
   */
  public static ChatTemplate of(String name, ModelTokenizer tokenizer) {
    String source =
        tokenizer
            .chatTemplate()
            .orElseThrow(() -> new TemplateRenderException(name, "the model has no chat_template"));
    return of(name, source, tokenizer.specialTokens());
  }

  public String name() {
    return name;
  }

  /**
   * Renders a conversation.
   *
   * @param addGenerationPrompt end with the opening of an assistant turn, where the model writes
   * @throws TemplateRenderException on a syntax error or a {@code raise_exception} of the template
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation with further template variables ({@code apply_chat_template}'s extra
   * keyword arguments, e.g. {@code enable_thinking}); they cannot replace the messages.
   */
  public String render(
      List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
    if (unsupported != null) {
      throw new TemplateRenderException(name, unsupported);
    }
    Map<String, Object> context = new HashMap<>(tokenVariables);
    context.putAll(variables);
    context.put("messages", messages.stream().map(ChatMessage::asTemplateValue).toList());
    context.put("add_generation_prompt", addGenerationPrompt);
    RenderResult result = jinjava.renderForResult(source, context);
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == ErrorType.FATAL) {
        throw new TemplateRenderException(name, reason(error));
      }
    }
    return result.getOutput();
  }

  private static String reason(TemplateError error) {
    for (Throwable t = error.getException(); t != null; t = t.getCause()) {
      if (t instanceof RaisedByTemplate raised) {
        return "the template raised an error: " + raised.getMessage();
      }
    }
    return error.getLineno() > 0
        ? error.getMessage() + " (line " + error.getLineno() + ")"
        : error.getMessage();
  }
}
