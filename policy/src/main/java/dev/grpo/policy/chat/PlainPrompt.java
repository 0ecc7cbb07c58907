package dev.grpo.policy.chat;

/** The question as the prompt, with nothing added. */
record PlainPrompt() implements PromptTemplate {

  @Override
  public RenderedPrompt render(String question) {
    return new RenderedPrompt(question, "");
  }
}
