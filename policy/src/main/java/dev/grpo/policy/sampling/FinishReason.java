package dev.grpo.policy.sampling;

/** Why a sample stopped growing. */
public enum FinishReason {
  /** A stop token id (EOS by default) or a stop string was produced. */
  STOP,
  /** {@code maxTokens} tokens were produced without a stop. */
  LENGTH
}
