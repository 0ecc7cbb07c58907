package dev.grpo.trainer.step;

import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** A dataset item as the policy sees it: the spec's prompt template filled in, then tokenized. */
final class PromptEncoder {

  private final String template;
  private final Tokenizer tokenizer;

  PromptEncoder(String template, Tokenizer tokenizer) {
    this.template = template;
    this.tokenizer = tokenizer;
  }

  Tokenizer tokenizer() {
    return tokenizer;
  }

  String text(Item item) {
    return template.replace("{prompt}", item.prompt());
  }

  /** The prompt's token ids, led by the tokenizer's BOS when it has one. */
  int[] ids(Item item) {
    int[] text = tokenizer.encode(text(item));
    int bos = tokenizer.bosId();
    if (bos < 0) {
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
