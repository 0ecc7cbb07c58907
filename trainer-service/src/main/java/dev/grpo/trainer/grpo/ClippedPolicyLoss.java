package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import dev.grpo.policy.model.GraphConstants;

/**
 * The per-token PPO clipped surrogate −min(ρ·A, clip(ρ, 1−ε_low, 1+ε_high)·A) with the optional
 * guards each framework adds.
 *
 * <ul>
 *   <li>ε_low/ε_high: TRL {@code epsilon}/{@code epsilon_high}, verl {@code clip_ratio_low}/{@code
 *       clip_ratio_high}, OpenRLHF {@code eps_clip_low_high} (DAPO clip-higher: 0.2/0.28).
 *   <li>Log-ratio clamp: verl and OpenRLHF compute ρ = exp(clamp(logp − old, −20, 20)); TRL does
 *       not clamp.
 *   <li>δ: TRL {@code delta} (INTELLECT-2 two-sided clip), caps the unclipped ρ at δ.
 *   <li>Dual clip: verl {@code clip_ratio_c} (default 3.0 there) and OpenRLHF {@code dual_clip}:
 *       for A &lt; 0 the loss is additionally capped at −A·c.
 * </ul>
 */
final class ClippedPolicyLoss {

  private ClippedPolicyLoss() {}

  /**
   * What a policy loss hands to {@link GrpoObjective}.
   *
   * @param perTokenLoss [B,T] loss, differentiable w.r.t. logp
   * @param clippedLow boolean, where the lower clip bound bites ([B,T], or [B] when {@code
   *     perSequence})
   * @param clippedHigh boolean, where the upper clip bound bites (same shape)
   * @param dualClipped [B,T] boolean, where the dual clip replaced the loss (all false when off)
   * @param perSequence the clip flags are one per sequence (GSPO): their fractions are over
   *     sequences, as TRL logs them for {@code importance_sampling_level="sequence"}
   */
  record Terms(
      NDArray perTokenLoss,
      NDArray clippedLow,
      NDArray clippedHigh,
      NDArray dualClipped,
      boolean perSequence) {}

  /** The loss of {@code config.policyLoss()}; {@code mask} is the effective completion mask. */
  static Terms of(
      NDArray logp, NDArray oldLogp, NDArray advantages, NDArray mask, GrpoConfig config) {
    return switch (config.policyLoss()) {
      case CLIP -> perToken(logp, oldLogp, advantages, config);
      case GSPO -> SequenceRatioLoss.perToken(logp, oldLogp, advantages, mask, config);
      case CISPO -> ClippedWeightLoss.perToken(logp, oldLogp, advantages, config);
    };
  }

  /** No token replaced by the dual clip: the flags of losses that have none. */
  static NDArray noneDualClipped(NDArray loss) {
    return loss.zerosLike().toType(DataType.BOOLEAN, false);
  }

  static Terms perToken(NDArray logp, NDArray oldLogp, NDArray advantages, GrpoConfig config) {
    NDArray logRatio = logp.sub(oldLogp);
    if (config.logRatioClamp() > 0) {
      logRatio = logRatio.clip(-config.logRatioClamp(), config.logRatioClamp());
    }
    NDArray ratio = logRatio.exp();
    NDArray clipped = ratio.clip(1.0 - config.epsilonLow(), 1.0 + config.epsilonHigh());
    if (config.delta() > 0) {
      ratio = ratio.minimum(GraphConstants.constant(ratio, config.delta()));
    }
    // one advantage per completion [B] (group estimators) or per token [B,T] (PPO's GAE)
    NDArray a = advantages.getShape().dimension() == 1 ? advantages.expandDims(1) : advantages;
    NDArray loss = ratio.mul(a).minimum(clipped.mul(a)).neg();
    NDArray dualClipped = noneDualClipped(loss);
    if (config.dualClipC() > 0) {
      NDArray cap = a.mul(-config.dualClipC());
      // DJL's where does not broadcast the condition, so widen it to [B,T] explicitly.
      NDArray negative = a.lt(0.0).broadcast(loss.getShape());
      dualClipped = negative.logicalAnd(loss.gt(cap));
      loss = NDArrays.where(negative, loss.minimum(cap), loss);
    }
    // TRL's clip metrics look at ρ after the δ cap
    NDArray low = ratio.lt(1.0 - config.epsilonLow()).logicalAnd(a.lt(0.0));
    NDArray high = ratio.gt(1.0 + config.epsilonHigh()).logicalAnd(a.gt(0.0));
    return new Terms(loss, low, high, dualClipped, false);
  }
}
