package dev.grpo.trainer.train;

import dev.grpo.policy.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * One supervised example: the loss covers the completion tokens only.
 *
 * @param prompt token ids of the prompt (at least one)
 * @param completion token ids of the target completion (EOS included when it should be learned)
 */
public record SftExample(int[] prompt, int[] completion) {

  public SftExample {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("prompt must not be empty (prepend a BOS token)");
    }
  }

  /** BOS + prompt text → completion text + EOS. */
  public static SftExample of(Tokenizer tokenizer, String prompt, String completion) {
    int[] p = tokenizer.encode(prompt);
    int[] withBos = new int[p.length + 1];
    withBos[0] = tokenizer.bosId();
    System.arraycopy(p, 0, withBos, 1, p.length);
    int[] c = tokenizer.encode(completion);
    int[] withEos = Arrays.copyOf(c, c.length + 1);
    withEos[c.length] = tokenizer.eosId();
    return new SftExample(withBos, withEos);
  }
}
