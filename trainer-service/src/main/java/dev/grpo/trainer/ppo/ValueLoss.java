package dev.grpo.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.grpo.policy.model.GraphConstants;

/**
 * PPO's clipped value loss, 0.5·max((V − R)², (clip(V, V_old − ε_v, V_old + ε_v) − R)²) per token,
 * averaged over the masked tokens of the batch (verl {@code compute_value_loss} with the {@code
 * token-mean} aggregation; TRL's PPOTrainer the same with its masked mean). Computed in the dtype
 * of {@code values}, with gradient w.r.t. them.
 */
public final class ValueLoss {

  private ValueLoss() {}

  /**
   * @param loss the scalar loss
   * @param clipFraction the share of masked tokens where the clipped term is the larger one (verl
   *     {@code critic/vf_clipfrac})
   */
  public record Result(NDArray loss, double clipFraction) {}

  /**
   * @param values [B,T] the critic's current values, with gradient
   * @param oldValues [B,T] the values at rollout time (no gradient)
   * @param returns [B,T] GAE returns
   * @param mask [B,T] 1 on the tokens that count
   * @param valueClip ε_v
   */
  public static Result compute(
      NDArray values, NDArray oldValues, NDArray returns, NDArray mask, double valueClip) {
    DataType dtype = values.getDataType();
    NDArray old = oldValues.toType(dtype, false);
    NDArray target = returns.toType(dtype, false);
    NDArray m = mask.toType(dtype, false);
    // clip(V, V_old − ε, V_old + ε) as verl's clip_by_value: V itself where the clip does not bind
    // (V − V_old clipped and added back would differ from V by rounding there)
    NDArray clipped = values.maximum(old.sub(valueClip)).minimum(old.add(valueClip));
    NDArray unclippedLoss = values.sub(target).square();
    NDArray clippedLoss = clipped.sub(target).square();
    NDArray perToken = unclippedLoss.maximum(clippedLoss);
    NDArray active = m.sum().maximum(1.0);
    NDArray loss = perToken.mul(m).sum().div(active).mul(GraphConstants.constant(values, 0.5));
    double clipFraction =
        clippedLoss
                .stopGradient()
                .gt(unclippedLoss.stopGradient())
                .toType(dtype, false)
                .mul(m)
                .sum()
                .toType(DataType.FLOAT64, false)
                .getDouble()
            / Math.max(1.0, m.sum().toType(DataType.FLOAT64, false).getDouble());
    return new Result(loss, clipFraction);
  }
}
