package dev.grpo.policy.tokenizer;

/**
 * A generated completion cut at its first stop token.
 *
 * @param text the decoded tokens before the stop token (special tokens left out)
 * @param tokenCount how many tokens came before the stop token (all of them when none stopped it)
 * @param stopTokenId the stop token that ended it, or -1 when it ran out without one
 */
public record CompletionText(String text, int tokenCount, int stopTokenId) {

  /** Whether a stop token ended the completion. */
  public boolean stopped() {
    return stopTokenId >= 0;
  }
}
