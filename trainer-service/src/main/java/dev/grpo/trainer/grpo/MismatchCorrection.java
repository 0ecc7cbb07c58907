package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import dev.grpo.policy.model.GraphConstants;

/**
 * Applies a {@link RolloutCorrection} to one micro-batch: from log π_old and log π_rollout, the
 * per-token weights (or none), the mask the loss is then taken over, and the {@link
 * RolloutMismatch} measured on the mask it was given. Nothing here carries gradient.
 */
final class MismatchCorrection {

  /**
   * @param weights [B,T] min(r, cap) to multiply the policy loss by, or null for none
   * @param mask [B,T] the mask after the correction's rejections (the input mask when none)
   * @param mismatch what was measured
   */
  record Applied(NDArray weights, NDArray mask, RolloutMismatch mismatch) {}

  private MismatchCorrection() {}

  static Applied apply(
      RolloutCorrection correction, NDArray oldLogp, NDArray rolloutLogp, NDArray mask) {
    DataType dtype = mask.getDataType();
    NDArray difference = oldLogp.stopGradient().sub(rolloutLogp.toType(dtype, false));
    // 0 (r = 1) outside the mask, so whatever padding holds never turns a masked sum into NaN
    NDArray logRatio = NDArrays.where(mask.gt(0.0), difference, difference.zerosLike());
    NDArray ratio = logRatio.exp();
    NDArray kept =
        switch (correction.mode()) {
          case NONE, TRUNCATED_IS -> mask;
          case MASK_TOKEN -> mask.mul(inBand(ratio, correction).toType(dtype, false));
          case MASK_SEQUENCE -> {
            // geometric mean of the sequence's ratios: exp of the mean log ratio over its tokens
            NDArray sequenceRatio =
                logRatio
                    .mul(mask)
                    .sum(new int[] {1})
                    .div(mask.sum(new int[] {1}).maximum(1.0))
                    .exp();
            yield mask.mul(inBand(sequenceRatio, correction).toType(dtype, false).expandDims(1));
          }
        };
    NDArray weights =
        correction.weights()
            ? ratio.minimum(GraphConstants.constant(ratio, correction.cap()))
            : null;
    return new Applied(weights, kept, measure(logRatio, mask, kept));
  }

  private static NDArray inBand(NDArray ratio, RolloutCorrection correction) {
    return ratio.gte(correction.lower()).logicalAnd(ratio.lte(correction.upper()));
  }

  /**
   * In float64 whatever the loss's dtype: r − 1 − log r of ratios within 1e-6 of 1 (what a sampler
   * that agrees with the trainer gives) would round to noise of either sign in float32.
   */
  private static RolloutMismatch measure(NDArray logRatioOfLoss, NDArray maskOfLoss, NDArray kept) {
    NDArray logRatio = logRatioOfLoss.toType(DataType.FLOAT64, false);
    NDArray mask = maskOfLoss.toType(DataType.FLOAT64, false);
    NDArray ratio = logRatio.exp();
    double valid = scalar(mask.sum());
    if (valid == 0) {
      return new RolloutMismatch(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
    }
    double k1 = -scalar(logRatio.mul(mask).sum()) / valid;
    double k3 = scalar(ratio.sub(1.0).sub(logRatio).mul(mask).sum()) / valid;
    double mean = scalar(ratio.mul(mask).sum()) / valid;
    // every ratio is positive, so a 0 in the place of an invalid token never wins the max
    double max = scalar(NDArrays.where(mask.gt(0.0), ratio, ratio.zerosLike()).max());
    double maskedFraction = 1.0 - scalar(kept.toType(DataType.FLOAT64, false).sum()) / valid;
    return new RolloutMismatch(k1, k3, mean, max, maskedFraction);
  }

  private static double scalar(NDArray array) {
    return array.stopGradient().toType(DataType.FLOAT64, false).getDouble();
  }
}
