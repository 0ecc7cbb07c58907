package dev.grpo.trainer.step;

import dev.grpo.trainer.train.RolloutBatch;
import dev.grpo.trainer.train.SftExample;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * The compute a stage spends on the policy it trains, counted in tokens so that two stages that
 * train the same model compare directly: {@code trainTokens} went through a forward and a backward
 * pass, {@code forwardTokens} through a forward pass only (a KL reference, the old log-probs of μ >
 * 1), {@code sampledTokens} were sampled by the policy itself (prompt prefill plus generated
 * tokens, one forward each with a KV cache). {@link #tokenPasses} weighs a backward pass as two
 * forward passes, so it is ~FLOPs / 2N for N parameters. Evaluation is not counted: both sides of a
 * comparison pay the same for it.
 */
record ComputeTally(long trainTokens, long forwardTokens, long sampledTokens) {

  static final ComputeTally NONE = new ComputeTally(0, 0, 0);

  long tokenPasses() {
    return 3 * trainTokens + forwardTokens + sampledTokens;
  }

  ComputeTally plus(ComputeTally other) {
    return new ComputeTally(
        trainTokens + other.trainTokens,
        forwardTokens + other.forwardTokens,
        sampledTokens + other.sampledTokens);
  }

  /** Supervised training: every example's prompt and completion, forward and backward. */
  static ComputeTally ofSft(List<SftExample> batch) {
    long tokens = 0;
    for (SftExample e : batch) {
      tokens += e.prompt().length + e.completion().length;
    }
    return new ComputeTally(tokens, 0, 0);
  }

  /**
   * One GRPO step on {@code batch}: the policy sampled every sequence, trained on them {@code mu}
   * times, and ran a forward-only pass over them for the reference ({@code reference}) and for the
   * old log-probs when {@code mu > 1}.
   */
  static ComputeTally ofGrpoStep(RolloutBatch batch, int mu, boolean reference) {
    List<int[]> prompts = batch.promptPerCompletion();
    long tokens = 0;
    for (int i = 0; i < batch.completions().size(); i++) {
      tokens += prompts.get(i).length + batch.completions().get(i).length;
    }
    int forwardOnly = (reference ? 1 : 0) + (mu > 1 ? 1 : 0);
    return new ComputeTally(mu * tokens, forwardOnly * tokens, tokens);
  }

  ObjectNode writeTo(ObjectNode out) {
    out.put("train_tokens", trainTokens);
    out.put("forward_tokens", forwardTokens);
    out.put("sampled_tokens", sampledTokens);
    out.put("token_passes", tokenPasses());
    return out;
  }
}
