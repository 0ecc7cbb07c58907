package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.GraphConstants;

/**
 * The GRPO loss of one micro-batch: per token, the policy loss of {@link GrpoConfig#policyLoss()}
 * (the clipped surrogate {@link ClippedPolicyLoss}, GSPO's {@link SequenceRatioLoss} or CISPO's
 * {@link ClippedWeightLoss}), weighted by the {@link RolloutCorrection} when one is on, + β·KL
 * ({@link KlEstimator}) − entropyCoef·entropy, masked (less the tokens a correction rejects) and
 * aggregated ({@link LossAggregation}). This is TRL's {@code GRPOTrainer._compute_loss} with verl's
 * and OpenRLHF's extra guards available as options; since the aggregation is linear, adding β·KL
 * per token before aggregating equals verl's separate {@code kl_loss_coef · agg(kl)} term.
 *
 * <p>Call it inside a {@code GradientCollector}; every intermediate array is created in the manager
 * of {@code logp}, so open a sub-manager per step for the inputs and close it after the backward
 * pass. Computation happens in the dtype of {@code logp}.
 */
public final class GrpoObjective {

  private GrpoObjective() {}

  /** The scalar loss (with gradient w.r.t. {@code logp}) and the metrics of this evaluation. */
  public record Result(NDArray loss, GrpoMetrics metrics) {}

  public static Result compute(GrpoBatch batch, GrpoConfig config) {
    NDArray logp = batch.logp();
    Shape shape = logp.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("logp must be [B,T], was " + shape);
    }
    DataType dtype = logp.getDataType();
    long rows = shape.get(0);
    requireShape("oldLogp", batch.oldLogp(), shape);
    requireShape("refLogp", batch.refLogp(), shape);
    requireShape("completionMask", batch.completionMask(), shape);
    requireShape("entropy", batch.entropy(), shape);
    requireShape("rolloutLogp", batch.rolloutLogp(), shape);
    if (batch.advantages() != null && batch.advantages().getShape().dimension() == 2) {
      // per-token advantages (PPO's GAE) are defined for the token-ratio surrogate only
      requireShape("advantages", batch.advantages(), shape);
      if (config.policyLoss() != PolicyLoss.CLIP) {
        throw new IllegalArgumentException(
            "per-token advantages need the CLIP policy loss, not " + config.policyLoss());
      }
    } else {
      requireShape("advantages", batch.advantages(), new Shape(rows));
    }
    requireShape("truncated", batch.truncated(), new Shape(rows));
    if (config.beta() != 0 && batch.refLogp() == null) {
      throw new IllegalArgumentException("beta != 0 needs reference log-probs");
    }
    if (config.entropyCoef() != 0 && batch.entropy() == null) {
      throw new IllegalArgumentException("entropyCoef != 0 needs per-token entropies");
    }

    // On-policy (μ = 1, rollout policy == current policy): TRL uses logp.detach() as the old
    // log-probs, so ρ = 1 in value while the gradient still flows through the numerator.
    NDArray oldLogp =
        batch.oldLogp() == null ? logp.stopGradient() : batch.oldLogp().toType(dtype, false);
    NDArray advantages = batch.advantages().toType(dtype, false);
    NDArray valid = effectiveMask(batch.completionMask(), batch.truncated(), config, dtype);
    RolloutCorrection correction = config.rolloutCorrection();
    if (correction.enabled() && batch.rolloutLogp() == null) {
      throw new IllegalArgumentException(
          "a rollout correction (" + correction.mode() + ") needs the rollout's log-probs");
    }
    MismatchCorrection.Applied corrected =
        batch.rolloutLogp() == null
            ? null
            : MismatchCorrection.apply(correction, oldLogp, batch.rolloutLogp(), valid);
    // The mask every term and normaliser sees: the valid tokens less those a correction rejected.
    NDArray mask = corrected == null ? valid : corrected.mask();

    ClippedPolicyLoss.Terms policy = ClippedPolicyLoss.of(logp, oldLogp, advantages, mask, config);
    NDArray perToken = policy.perTokenLoss();
    if (corrected != null && corrected.weights() != null) {
      perToken = perToken.mul(corrected.weights());
    }
    NDArray kl = null;
    if (batch.refLogp() != null) {
      kl =
          config
              .klEstimator()
              .perToken(logp, batch.refLogp().toType(dtype, false), config.klClamp());
      if (config.beta() != 0) {
        perToken = perToken.add(kl.mul(GraphConstants.constant(kl, config.beta())));
      }
    }
    NDArray entropy = batch.entropy() == null ? null : batch.entropy().toType(dtype, false);
    if (config.entropyCoef() != 0) {
      // entropy may carry gradient (an entropy bonus backpropagates through it)
      perToken = perToken.sub(entropy.mul(GraphConstants.constant(entropy, config.entropyCoef())));
    }
    NDArray loss =
        config.lossAggregation().aggregate(perToken, mask, config, batch.globalActiveTokens());

    NDArray low = policy.clippedLow();
    NDArray high = policy.clippedHigh();
    NDArray region = low.logicalOr(high);
    GrpoMetrics metrics =
        new GrpoMetrics(
            scalar(loss),
            clipFraction(low, mask, policy.perSequence()),
            clipFraction(high, mask, policy.perSequence()),
            clipFraction(region, mask, policy.perSequence()),
            maskedMean(policy.dualClipped(), mask),
            kl == null ? Double.NaN : maskedMean(kl, mask),
            entropy == null ? Double.NaN : maskedMean(entropy, mask),
            Double.NaN,
            corrected == null ? null : corrected.mismatch());
    return new Result(loss, metrics);
  }

  /**
   * The completion mask with truncated rows zeroed when {@link
   * GrpoConfig#maskTruncatedCompletions()} is on (TRL applies it to the mask itself, so truncated
   * rows drop out of every normaliser and metric too).
   */
  public static NDArray effectiveMask(
      NDArray completionMask, NDArray truncated, GrpoConfig config, DataType dtype) {
    NDArray mask = completionMask.toType(dtype, false);
    if (!config.maskTruncatedCompletions()) {
      return mask;
    }
    NDArray keep = truncated.toType(dtype, false).neg().add(1.0).expandDims(1);
    return mask.mul(keep);
  }

  /**
   * Active tokens of one micro-batch after truncation masking; sum this over every micro-batch and
   * process of an optimizer step to get {@link GrpoBatch#globalActiveTokens()} (TRL's {@code
   * num_items_in_batch}).
   */
  public static double activeTokens(NDArray completionMask, NDArray truncated, GrpoConfig config) {
    return scalar(effectiveMask(completionMask, truncated, config, DataType.FLOAT64).sum());
  }

  /**
   * Token flags: their masked mean. Sequence flags (GSPO): their mean over all B sequences, as TRL
   * logs them ({@code global_masked_mean} of a [B,1] tensor counts every row).
   */
  private static double clipFraction(NDArray flags, NDArray mask, boolean perSequence) {
    if (!perSequence) {
      return maskedMean(flags, mask);
    }
    NDArray f = flags.toType(mask.getDataType(), false);
    return scalar(f.sum()) / Math.max(1.0, f.getShape().get(0));
  }

  private static double maskedMean(NDArray values, NDArray mask) {
    NDArray v = values.stopGradient().toType(mask.getDataType(), false);
    return scalar(v.mul(mask).sum()) / Math.max(1.0, scalar(mask.sum()));
  }

  private static double scalar(NDArray array) {
    return array.stopGradient().toType(DataType.FLOAT64, false).getDouble();
  }

  private static void requireShape(String name, NDArray array, Shape expected) {
    if (array != null && !array.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          name + " must have shape " + expected + ", was " + array.getShape());
    }
  }
}
