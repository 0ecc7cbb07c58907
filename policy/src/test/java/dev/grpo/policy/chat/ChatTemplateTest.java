package dev.grpo.policy.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.policy.tokenizer.SpecialTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

  static final String CHATML =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' +"
          + " message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  static final SpecialTokens TOKENS =
      new SpecialTokens("<s>", "</s>", null, null, List.of("<|im_start|>", "<|im_end|>"));

  @Test
  void rendersMessagesAndTheGenerationPrompt() {
    ChatTemplate template = ChatTemplate.of("chatml", CHATML, TOKENS);
    List<ChatMessage> messages = List.of(ChatMessage.system("Be brief."), ChatMessage.user("2+2?"));
    assertThat(template.render(messages, true))
        .isEqualTo(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n");
    assertThat(template.render(messages, false)).doesNotEndWith("<|im_start|>assistant\n");
  }

  @Test
  void passesSpecialTokensOnlyWhenTheModelHasThem() {
    String source =
        "{{ bos_token }}|{{ eos_token }}|{% if pad_token is defined %}pad{% else %}no pad{% endif %}"
            + "|{{ additional_special_tokens | join(',') }}";
    assertThat(ChatTemplate.of("tokens", source, TOKENS).render(List.of(), false))
        .isEqualTo("<s>|</s>|no pad|<|im_start|>,<|im_end|>");
  }

  @Test
  void printsListsAndDictsAsPythonDoes() {
    String source = "{{ ['a', 1] }}|{{ {'k': 'v'} }}|{{ 'a b'.split() }}";
    assertThat(ChatTemplate.of("t", source, TOKENS).render(List.of(), false))
        .isEqualTo("['a', 1]|{'k': 'v'}|['a', 'b']");
  }

  @Test
  void leavesTemplateSyntaxInsideMessagesAlone() {
    ChatTemplate template = ChatTemplate.of("chatml", CHATML, TOKENS);
    String content = "{{ 7 * 6 }} {% if true %}x{% endif %} {# c #}";
    assertThat(template.render(List.of(ChatMessage.user(content)), false))
        .isEqualTo("<|im_start|>user\n" + content + "<|im_end|>\n");
  }

  @Test
  void dropsOneTrailingNewlineOfTheSourceAsJinja2Does() {
    ChatTemplate template = ChatTemplate.of("t", "{{ messages[0].content }}\n\n", TOKENS);
    assertThat(template.render(List.of(ChatMessage.user("x")), false)).isEqualTo("x\n");
  }

  @Test
  void takesExtraVariablesButNotInPlaceOfTheMessages() {
    String source = "{% if enable_thinking %}think{% endif %}:{{ messages | length }}";
    ChatTemplate template = ChatTemplate.of("t", source, TOKENS);
    Map<String, Object> variables = Map.of("enable_thinking", true, "messages", List.of());
    assertThat(template.render(List.of(ChatMessage.user("a")), true, variables))
        .isEqualTo("think:1");
  }

  @Test
  void rendersConcurrentlyFromOneInstance() throws Exception {
    ChatTemplate template = ChatTemplate.of("chatml", CHATML, TOKENS);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String question = "question " + i;
        String expected = "<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n";
        results.add(
            pool.submit(
                () -> template.render(List.of(ChatMessage.user(question)), true).equals(expected)));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSyntaxErrorNamesTheTemplateAndTheLine() {
    ChatTemplate template = ChatTemplate.of("my-spec-template", "line one\n{% for %}", TOKENS);
    assertThatThrownBy(() -> template.render(List.of(ChatMessage.user("a")), true))
        .isInstanceOfSatisfying(
            TemplateRenderException.class,
            e -> {
              assertThat(e.templateName()).isEqualTo("my-spec-template");
              assertThat(e.reason()).contains("'for'").contains("(line 2)");
              assertThat(e.getMessage())
                  .startsWith("chat template 'my-spec-template' cannot be rendered: ");
            });
  }

  @Test
  void raiseExceptionInTheTemplateBecomesTheReason() {
    String source =
        "{% if messages[0]['role'] != 'user' %}"
            + "{{ raise_exception('Conversation roles must start with user') }}{% endif %}ok";
    ChatTemplate template = ChatTemplate.of("strict", source, TOKENS);
    assertThat(template.render(List.of(ChatMessage.user("a")), true)).isEqualTo("ok");
    assertThatThrownBy(() -> template.render(List.of(ChatMessage.assistant("a")), true))
        .isInstanceOfSatisfying(
            TemplateRenderException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(
                        "the template raised an error: Conversation roles must start with user"));
  }

  @Test
  void refusesLoopFiltersThatJinjavaWouldSilentlySkip() {
    String source = "{%- for m in messages if m.role == 'user' %}{{ m.content }}{% endfor %}";
    ChatTemplate template = ChatTemplate.of("filtered", source, TOKENS);
    assertThatThrownBy(() -> template.render(List.of(ChatMessage.user("a")), true))
        .isInstanceOfSatisfying(
            TemplateRenderException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(
                        "loop filters are not supported: {%- for m in messages if m.role =="
                            + " 'user' %} (use an if inside the loop)"));
    String inside =
        "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% endif %}{% endfor %}";
    assertThat(ChatTemplate.of("t", inside, TOKENS).render(List.of(ChatMessage.user("a")), true))
        .isEqualTo("a");
  }

  @Test
  void anOversizedOutputIsAnErrorNotAPrompt() {
    String source =
        "{% for i in range(1000) %}{% for j in range(10) %}{{ messages[0].content }}"
            + "{% endfor %}{% endfor %}";
    ChatTemplate template = ChatTemplate.of("huge", source, TOKENS);
    String kilobyte = "x".repeat(1024);
    assertThatThrownBy(() -> template.render(List.of(ChatMessage.user(kilobyte)), true))
        .isInstanceOf(TemplateRenderException.class)
        .hasMessageEndingWith("4198400 byte output rendered, over limit of 4194304 bytes");
  }
}
