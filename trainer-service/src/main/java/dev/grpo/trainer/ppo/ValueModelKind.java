package dev.grpo.trainer.ppo;

/** Where a {@link ValueModel} reads its features. */
public enum ValueModelKind {
  /**
   * A scalar linear head on the policy's own final hidden states, read without gradient: only the
   * head (hidden size + 1 numbers) is the critic's, so it costs one extra forward pass and almost
   * no memory.
   */
  HEAD,
  /**
   * A separate decoder (a copy of the initial policy, or a preset) with a scalar head, trained end
   * to end by its own optimizer: verl's and the DeepSeek papers' critic.
   */
  SEPARATE
}
