package dev.grpo.trainer.grpo;

/**
 * How outcome rewards become one advantage per completion ({@link GroupAdvantages}); verl's {@code
 * algorithm.adv_estimator}.
 */
public enum AdvantageEstimator {
  /**
   * r − group mean, divided by the std {@link RewardScaling} names (none: Dr. GRPO). verl {@code
   * grpo}, TRL's only estimator.
   */
  GRPO,
  /**
   * Leave-one-out: r_i − mean_{j≠i} r_j = (r_i − mean)·n/(n − 1) over the n scorable rewards of the
   * group. verl {@code rloo}, OpenRLHF {@code rloo}; no further scaling.
   */
  RLOO,
  /**
   * REINFORCE++ with a group baseline: r − group mean, then whitened over every active token of the
   * batch, (x − μ)/√(σ² + 1e-8) with the token-weighted, Bessel-corrected μ and σ² of verl's {@code
   * masked_whiten}. verl {@code reinforce_plus_plus_baseline}, OpenRLHF {@code reinforce_baseline}
   * (which uses the biased variance).
   */
  REINFORCE_PLUS_PLUS_BASELINE
}
