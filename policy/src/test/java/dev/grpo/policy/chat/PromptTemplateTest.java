package dev.grpo.policy.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromptTemplateTest {

  private static final String R1 =
      "A conversation between User and Assistant. The user asks a question, and the Assistant"
          + " solves it. The assistant first thinks about the reasoning process in the mind and"
          + " then provides the user with the answer. The reasoning process and answer are"
          + " enclosed within <think> </think> and <answer> </answer> tags, respectively, i.e.,"
          + " <think> reasoning process here </think> <answer> answer here </answer>."
          + " User: What is 7+5?. Assistant:";

  @Test
  void r1FillsInTheQuestion() {
    RenderedPrompt prompt = PromptTemplate.r1(false).render("What is 7+5?");
    assertThat(prompt.text()).isEqualTo(R1);
    assertThat(prompt.completionPrefix()).isEmpty();
    assertThat(prompt.scoredCompletion(" <think>7+5=12</think> <answer>12</answer>"))
        .isEqualTo(" <think>7+5=12</think> <answer>12</answer>");
  }

  @Test
  void r1WithThinkPrefilledEndsInThinkAndRestoresItForTheScorer() {
    RenderedPrompt prompt = PromptTemplate.r1(true).render("What is 7+5?");
    assertThat(prompt.text()).isEqualTo(R1 + " <think>");
    assertThat(prompt.scoredCompletion(" 7+5=12 </think> <answer>12</answer>"))
        .isEqualTo("<think> 7+5=12 </think> <answer>12</answer>");
  }

  @Test
  void chatPutsTheQuestionInAUserTurnAfterTheSystemPrompt() {
    ChatTemplate chatml =
        ChatTemplate.of("chatml", ChatTemplateTest.CHATML, ChatTemplateTest.TOKENS);
    assertThat(PromptTemplate.chat(chatml, "Think first.", false).render("2+2?").text())
        .isEqualTo(
            "<|im_start|>system\nThink first.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n");
    RenderedPrompt prefilled = PromptTemplate.chat(chatml, null, true).render("2+2?");
    assertThat(prefilled.text())
        .isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>");
    assertThat(prefilled.scoredCompletion("4</think><answer>4</answer>"))
        .isEqualTo("<think>4</think><answer>4</answer>");
  }

  @Test
  void aTemplateThatOpensTheThinkBlockItselfIsNotPrefilledTwice() {
    String source =
        "{{ messages[-1].content }}<|Assistant|>{% if add_generation_prompt %}<think>\n{% endif %}";
    ChatTemplate distilled = ChatTemplate.of("r1-distill", source, ChatTemplateTest.TOKENS);
    RenderedPrompt prompt = PromptTemplate.chat(distilled, null, true).render("2+2?");
    assertThat(prompt.text()).isEqualTo("2+2?<|Assistant|><think>\n");
    assertThat(prompt.completionPrefix()).isEqualTo("<think>\n");
  }

  @Test
  void plainKeepsTheQuestion() {
    assertThat(PromptTemplate.plain().render("7+5=")).isEqualTo(new RenderedPrompt("7+5=", ""));
  }

  @Test
  void aFailingChatTemplateFailsTheRender() {
    ChatTemplate broken =
        ChatTemplate.of("spec.data.chatTemplate", "{% if %}", ChatTemplateTest.TOKENS);
    assertThatThrownBy(() -> PromptTemplate.chat(broken, null, false).render("q"))
        .isInstanceOfSatisfying(
            TemplateRenderException.class,
            e -> assertThat(e.templateName()).isEqualTo("spec.data.chatTemplate"));
  }
}
