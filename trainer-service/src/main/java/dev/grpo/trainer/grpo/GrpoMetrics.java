package dev.grpo.trainer.grpo;

/**
 * What one objective evaluation reports, named after TRL's logged keys. Fractions are over active
 * (masked-in) tokens. NaN means "not measured": {@code klMean} without a reference policy, {@code
 * entropyMean} without entropies, {@code gradNorm} until the optimizer step fills it in.
 *
 * @param loss the scalar loss value
 * @param clipRatioLow TRL {@code clip_ratio/low_mean}: ρ &lt; 1 − ε_low where A &lt; 0
 * @param clipRatioHigh TRL {@code clip_ratio/high_mean}: ρ &gt; 1 + ε_high where A &gt; 0
 * @param clipRatioRegion TRL {@code clip_ratio/region_mean}: either of the two
 * @param dualClipRatio verl {@code pg_clipfrac_lower}: tokens where the dual clip replaced the loss
 * @param klMean masked mean of the per-token KL estimate (TRL {@code kl})
 * @param entropyMean masked mean of the per-token entropy (TRL {@code entropy})
 * @param gradNorm global L2 gradient norm before clipping (TRL {@code grad_norm})
 * @param mismatch the rollout/trainer log-prob mismatch, null without rollout log-probs
 */
public record GrpoMetrics(
    double loss,
    double clipRatioLow,
    double clipRatioHigh,
    double clipRatioRegion,
    double dualClipRatio,
    double klMean,
    double entropyMean,
    double gradNorm,
    RolloutMismatch mismatch) {

  /** Metrics of an evaluation without rollout log-probs. */
  public GrpoMetrics(
      double loss,
      double clipRatioLow,
      double clipRatioHigh,
      double clipRatioRegion,
      double dualClipRatio,
      double klMean,
      double entropyMean,
      double gradNorm) {
    this(
        loss,
        clipRatioLow,
        clipRatioHigh,
        clipRatioRegion,
        dualClipRatio,
        klMean,
        entropyMean,
        gradNorm,
        null);
  }

  /** A copy with the grad norm the optimizer step measured. */
  public GrpoMetrics withGradNorm(double norm) {
    return new GrpoMetrics(
        loss,
        clipRatioLow,
        clipRatioHigh,
        clipRatioRegion,
        dualClipRatio,
        klMean,
        entropyMean,
        norm,
        mismatch);
  }
}
