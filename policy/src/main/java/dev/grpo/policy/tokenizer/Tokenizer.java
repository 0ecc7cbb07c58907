package dev.grpo.policy.tokenizer;

/** Text to token ids and back, as the policy model sees it. */
public interface Tokenizer extends AutoCloseable {

  /** Token ids of {@code text}, without any added BOS/EOS. */
  int[] encode(String text);

  /** Text of {@code ids}, leaving out special tokens such as padding, BOS and EOS. */
  String decode(int[] ids);

  /** Id of the end-of-sequence token. */
  int eosId();

  /** Id used to pad batches. */
  int padId();

  /** Id of the beginning-of-sequence token, or -1 when the tokenizer has none. */
  int bosId();

  /** Number of ids (largest id + 1). */
  int vocabSize();

  /** Frees native resources, if any. */
  @Override
  default void close() {}
}
