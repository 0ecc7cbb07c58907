package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * GSPO's per-token loss (Zheng et al. 2025, "Group Sequence Policy Optimization"): the clipped
 * surrogate −min(s·A, clip(s, 1−ε_low, 1+ε_high)·A) on the sequence ratio s_i = exp(Σ_t m·(log π_θ
 * − log π_old) / max(1, Σ_t m)). Each token carries s_{i,t} = sg[s_i]·exp(log π_θ − sg[log π_θ]):
 * its value is s_i, its gradient s_i·∇log π_θ, so with the sequence-mean-token-mean aggregation the
 * gradient equals that of the sequence objective. verl {@code compute_policy_loss_gspo}, TRL {@code
 * importance_sampling_level="sequence"}.
 *
 * <p>verl clamps the log sequence ratio at 10 from above; TRL does not, and neither does this
 * unless {@link GrpoConfig#logRatioClamp()} is set (then ±clamp on the sequence log ratio).
 */
final class SequenceRatioLoss {

  private SequenceRatioLoss() {}

  static ClippedPolicyLoss.Terms perToken(
      NDArray logp, NDArray oldLogp, NDArray advantages, NDArray mask, GrpoConfig config) {
    NDArray sequenceLogRatio =
        logp.sub(oldLogp)
            .mul(mask)
            .sum(new int[] {1})
            .div(mask.sum(new int[] {1}).maximum(1.0))
            .stopGradient();
    if (config.logRatioClamp() > 0) {
      sequenceLogRatio = sequenceLogRatio.clip(-config.logRatioClamp(), config.logRatioClamp());
    }
    NDArray ratio = logp.sub(logp.stopGradient()).add(sequenceLogRatio.expandDims(1)).exp();
    NDArray clipped = ratio.clip(1.0 - config.epsilonLow(), 1.0 + config.epsilonHigh());
    NDArray a = advantages.expandDims(1);
    NDArray loss = ratio.mul(a).minimum(clipped.mul(a)).neg();
    NDArray sequenceRatio = sequenceLogRatio.exp();
    NDArray low = sequenceRatio.lt(1.0 - config.epsilonLow()).logicalAnd(advantages.lt(0.0));
    NDArray high = sequenceRatio.gt(1.0 + config.epsilonHigh()).logicalAnd(advantages.gt(0.0));
    return new ClippedPolicyLoss.Terms(
        loss, low, high, ClippedPolicyLoss.noneDualClipped(loss), true);
  }
}
