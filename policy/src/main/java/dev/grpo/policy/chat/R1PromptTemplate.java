package dev.grpo.policy.chat;

/** DeepSeek-R1's training template (DeepSeek-R1 paper, table 1), filled with the question. */
record R1PromptTemplate(boolean thinkPrefilled) implements PromptTemplate {

  static final String PREAMBLE =
      "A conversation between User and Assistant. The user asks a question, and the Assistant"
          + " solves it. The assistant first thinks about the reasoning process in the mind and"
          + " then provides the user with the answer. The reasoning process and answer are"
          + " enclosed within <think> </think> and <answer> </answer> tags, respectively, i.e.,"
          + " <think> reasoning process here </think> <answer> answer here </answer>. User: ";

  @Override
  public RenderedPrompt render(String question) {
    String prompt = PREAMBLE + question + ". Assistant:";
    return thinkPrefilled
        ? new RenderedPrompt(prompt + " " + THINK_PREFIX, THINK_PREFIX)
        : new RenderedPrompt(prompt, "");
  }
}
