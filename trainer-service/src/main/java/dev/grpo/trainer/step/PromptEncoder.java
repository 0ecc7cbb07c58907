package dev.grpo.trainer.step;

import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.policy.chat.PromptTemplate;
import dev.grpo.policy.chat.RenderedPrompt;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A dataset item as the policy sees it: the spec's prompt template filled in, rendered through the
 * chat template (the model's, DeepSeek-R1's, or none), then tokenized. The scorer sees the
 * completion behind what the prompt pre-filled ({@code <think>}), as the model wrote it. Used by
 * one run's thread only (it keeps the last rendering).
 */
final class PromptEncoder {

  private final String template;
  private final PromptTemplate chat;
  private final boolean addBos;
  private final Tokenizer tokenizer;
  // the G samples of an item are encoded and scored one after another: one rendering serves them
  private String lastPrompt;
  private RenderedPrompt lastRendered;

  /**
   * @param addBos lead the ids with the tokenizer's BOS; chat templates write their own special
   *     tokens, so this is for plain prompts
   */
  PromptEncoder(String template, PromptTemplate chat, boolean addBos, Tokenizer tokenizer) {
    this.template = template;
    this.chat = chat;
    this.addBos = addBos;
    this.tokenizer = tokenizer;
  }

  /** The plain prompt template, with the tokenizer's BOS: the character-level presets. */
  PromptEncoder(String template, Tokenizer tokenizer) {
    this(template, PromptTemplate.plain(), true, tokenizer);
  }

  Tokenizer tokenizer() {
    return tokenizer;
  }

  private RenderedPrompt rendered(Item item) {
    if (!item.prompt().equals(lastPrompt)) {
      lastRendered = chat.render(template.replace("{prompt}", item.prompt()));
      lastPrompt = item.prompt();
    }
    return lastRendered;
  }

  String text(Item item) {
    return rendered(item).text();
  }

  /** What the rules score: the completion behind the prompt's pre-filled prefix, if any. */
  String scored(Item item, String completion) {
    return rendered(item).scoredCompletion(completion);
  }

  /** The prompt's token ids, led by the tokenizer's BOS when it has one and plain prompts ask. */
  int[] ids(Item item) {
    int[] text = tokenizer.encode(text(item));
    int bos = tokenizer.bosId();
    if (!addBos || bos < 0) {
      return text;
    }
    int[] out = new int[text.length + 1];
    out[0] = bos;
    System.arraycopy(text, 0, out, 1, text.length);
    return out;
  }

  List<Integer> boxedIds(Item item) {
    int[] ids = ids(item);
    List<Integer> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(id);
    }
    return out;
  }
}
