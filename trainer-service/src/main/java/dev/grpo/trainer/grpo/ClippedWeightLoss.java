package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * CISPO's per-token loss (MiniMax-M1, 2025): −sg(clip(ρ, 1−ε_low, 1+ε_high))·A·log π_θ. The clip
 * bounds the importance weight but, unlike PPO's, never zeroes a token's gradient. verl {@code
 * compute_policy_loss_cispo}; TRL {@code loss_type="cispo"} caps ρ at {@code epsilon_high} only
 * (here ε_low = 1 and ε_high = {@code epsilon_high} − 1). The log ratio is clamped only when {@link
 * GrpoConfig#logRatioClamp()} is set (verl: ±20).
 *
 * <p>Clip flags count tokens whose weight was clipped whatever the advantage's sign, because the
 * clipped weight multiplies every token (verl's {@code pg_clipfrac}, split into low and high).
 */
final class ClippedWeightLoss {

  private ClippedWeightLoss() {}

  static ClippedPolicyLoss.Terms perToken(
      NDArray logp, NDArray oldLogp, NDArray advantages, GrpoConfig config) {
    NDArray logRatio = logp.sub(oldLogp).stopGradient();
    if (config.logRatioClamp() > 0) {
      logRatio = logRatio.clip(-config.logRatioClamp(), config.logRatioClamp());
    }
    NDArray ratio = logRatio.exp();
    NDArray weight = ratio.clip(1.0 - config.epsilonLow(), 1.0 + config.epsilonHigh());
    NDArray loss = weight.mul(advantages.expandDims(1)).mul(logp).neg();
    NDArray low = ratio.lt(1.0 - config.epsilonLow());
    NDArray high = ratio.gt(1.0 + config.epsilonHigh());
    return new ClippedPolicyLoss.Terms(
        loss, low, high, ClippedPolicyLoss.noneDualClipped(loss), false);
  }
}
