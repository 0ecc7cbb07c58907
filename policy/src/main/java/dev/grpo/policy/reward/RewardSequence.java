package dev.grpo.policy.reward;

import dev.grpo.policy.tokenizer.Tokenizer;

/**
 * How a (prompt, response) pair becomes the token sequence a {@link RewardModel} scores: BOS (when
 * the tokenizer has one), the prompt, the response, EOS. Training and serving encode through this
 * one method, so a served reward is the reward the model was trained to give.
 */
public final class RewardSequence {

  private RewardSequence() {}

  public static int[] encode(Tokenizer tokenizer, String prompt, String response) {
    int[] p = tokenizer.encode(prompt);
    int[] r = tokenizer.encode(response);
    int bos = tokenizer.bosId() >= 0 ? 1 : 0;
    int[] ids = new int[bos + p.length + r.length + 1];
    if (bos == 1) {
      ids[0] = tokenizer.bosId();
    }
    System.arraycopy(p, 0, ids, bos, p.length);
    System.arraycopy(r, 0, ids, bos + p.length, r.length);
    ids[ids.length - 1] = tokenizer.eosId();
    return ids;
  }
}
