package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.GraphConstants;

/**
 * How the masked per-token loss l·m of a [B,T] micro-batch becomes one scalar. The divisions by
 * gradient-accumulation steps follow TRL's {@code _compute_loss}, so summing the micro-batch losses
 * of one optimizer step gives the loss of the whole step.
 */
public enum LossAggregation {
  /**
   * Mean over sequences of each sequence's token mean: mean_i(Σ_t l·m / max(1, Σ_t m)) / accum. TRL
   * {@code grpo}, verl {@code seq-mean-token-mean}; the DeepSeekMath formula. Rows whose mask is
   * empty (e.g. masked truncated completions) still count in the mean, as in TRL.
   */
  GRPO,
  /** Token mean over the local micro-batch: Σ l·m / max(1, Σ m) / accum. TRL {@code bnpo}. */
  BNPO,
  /**
   * Constant normaliser: Σ l·m / (B · maxCompletionLength) / accum. TRL {@code dr_grpo}, verl
   * {@code seq-mean-token-sum-norm} with {@code loss_scale_factor} = max response length.
   */
  DR_GRPO,
  /**
   * Token mean over the global batch: Σ l·m / (globalActiveTokens / numProcesses), no accum
   * division because the global count already spans every micro-batch of the step. TRL {@code dapo}
   * (its default), verl {@code token-mean} (its default), OpenRLHF's token-level loss.
   */
  DAPO;

  /**
   * @param globalActiveTokens active tokens over every micro-batch and process of the optimizer
   *     step; NaN means "this micro-batch is the whole step" and the local count is used
   */
  NDArray aggregate(
      NDArray perTokenLoss, NDArray mask, GrpoConfig config, double globalActiveTokens) {
    NDArray masked = perTokenLoss.mul(mask);
    NDArray accumulation =
        GraphConstants.constant(perTokenLoss, config.gradientAccumulationSteps());
    return switch (this) {
      case GRPO ->
          masked
              .sum(new int[] {1})
              .div(mask.sum(new int[] {1}).maximum(1.0))
              .mean()
              .div(accumulation);
      case BNPO -> masked.sum().div(mask.sum().maximum(1.0)).div(accumulation);
      case DR_GRPO -> {
        long batch = perTokenLoss.getShape().get(0);
        long maxLength =
            config.maxCompletionLength() > 0
                ? config.maxCompletionLength()
                : perTokenLoss.getShape().get(1);
        yield masked
            .sum()
            .div(GraphConstants.constant(perTokenLoss, (double) batch * maxLength))
            .div(accumulation);
      }
      case DAPO -> {
        if (Double.isNaN(globalActiveTokens)) {
          yield masked.sum().div(mask.sum().maximum(1.0));
        }
        yield masked
            .sum()
            .div(GraphConstants.constant(perTokenLoss, globalActiveTokens / config.numProcesses()));
      }
    };
  }
}
