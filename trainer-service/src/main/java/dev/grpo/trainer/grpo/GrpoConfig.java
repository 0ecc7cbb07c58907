package dev.grpo.trainer.grpo;

/**
 * Knobs of the GRPO objective. Defaults are TRL's ({@code GRPOConfig} at HEAD): DAPO aggregation,
 * group scaling with ε = 1e-4, ε_low = ε_high = 0.2, β = 0 with k3, no dual clip, no log-ratio
 * clamp, no truncation masking. The javadoc of each type says which framework option it mirrors. A
 * guard given as a double (dual clip, δ, log-ratio clamp) is off when ≤ 0.
 *
 * @param lossAggregation TRL {@code loss_type} / verl {@code loss_agg_mode}
 * @param rewardScaling TRL {@code scale_rewards}
 * @param advantageEpsilon added to the std (TRL 1e-4, verl 1e-6, OpenRLHF 1e-9)
 * @param epsilonLow ρ lower clip 1 − ε_low (TRL {@code epsilon}, verl {@code clip_ratio_low})
 * @param epsilonHigh ρ upper clip 1 + ε_high (TRL {@code epsilon_high}, verl {@code
 *     clip_ratio_high}; DAPO clip-higher 0.28)
 * @param dualClipC verl {@code clip_ratio_c} (3.0 there); ≤ 0 disables; must be &gt; 1 when on
 * @param delta TRL {@code delta}; ≤ 0 disables
 * @param logRatioClamp verl/OpenRLHF clamp logp − old to ±20 before exp; ≤ 0 disables (TRL)
 * @param beta KL coefficient (TRL {@code beta}, verl {@code kl_loss_coef}, OpenRLHF {@code
 *     init_coef} with {@code use_loss})
 * @param klEstimator k1/k2/k3
 * @param klClamp whose clamps the KL estimate gets
 * @param maskTruncatedCompletions TRL {@code mask_truncated_completions} (DAPO overlong filtering)
 * @param entropyCoef loss −= coef · entropy, aggregated like the policy loss (verl {@code
 *     entropy_coeff}, OpenRLHF {@code entropy_coef})
 * @param maxCompletionLength L in the DR_GRPO normaliser (TRL {@code max_completion_length}); ≤ 0
 *     uses the padded width T
 * @param gradientAccumulationSteps micro-batches per optimizer step (divides GRPO/BNPO/DR_GRPO)
 * @param numProcesses data-parallel processes whose gradients are averaged (DAPO normaliser)
 * @param policyLoss the per-token objective (verl {@code loss_mode}); GSPO needs the GRPO
 *     aggregation, and neither GSPO nor CISPO takes a dual clip or δ
 * @param advantageEstimator how rewards become advantages (verl {@code adv_estimator}); {@code
 *     rewardScaling} and {@code advantageEpsilon} belong to {@link AdvantageEstimator#GRPO}
 */
public record GrpoConfig(
    LossAggregation lossAggregation,
    RewardScaling rewardScaling,
    double advantageEpsilon,
    double epsilonLow,
    double epsilonHigh,
    double dualClipC,
    double delta,
    double logRatioClamp,
    double beta,
    KlEstimator klEstimator,
    KlClamp klClamp,
    boolean maskTruncatedCompletions,
    double entropyCoef,
    int maxCompletionLength,
    int gradientAccumulationSteps,
    int numProcesses,
    PolicyLoss policyLoss,
    AdvantageEstimator advantageEstimator) {

  public GrpoConfig {
    if (lossAggregation == null
        || rewardScaling == null
        || klEstimator == null
        || klClamp == null
        || policyLoss == null
        || advantageEstimator == null) {
      throw new IllegalArgumentException("enum options must not be null");
    }
    if (epsilonLow < 0 || epsilonHigh < 0 || advantageEpsilon < 0 || beta < 0) {
      throw new IllegalArgumentException("epsilons and beta must be non-negative");
    }
    if (dualClipC > 0 && dualClipC <= 1) {
      // verl asserts clip_ratio_c > 1: at or below 1 the cap would undercut the clipped loss.
      throw new IllegalArgumentException("dualClipC must be > 1, was " + dualClipC);
    }
    if (gradientAccumulationSteps < 1 || numProcesses < 1) {
      throw new IllegalArgumentException("gradientAccumulationSteps and numProcesses must be >= 1");
    }
    if (policyLoss == PolicyLoss.GSPO && lossAggregation != LossAggregation.GRPO) {
      throw new IllegalArgumentException(
          "GSPO is defined with the GRPO (sequence-mean-token-mean) aggregation, not "
              + lossAggregation);
    }
    if (policyLoss != PolicyLoss.CLIP && (dualClipC > 0 || delta > 0)) {
      throw new IllegalArgumentException(
          "the dual clip and delta are defined for the CLIP policy loss only, not " + policyLoss);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.lossAggregation = lossAggregation;
    b.rewardScaling = rewardScaling;
    b.advantageEpsilon = advantageEpsilon;
    b.epsilonLow = epsilonLow;
    b.epsilonHigh = epsilonHigh;
    b.dualClipC = dualClipC;
    b.delta = delta;
    b.logRatioClamp = logRatioClamp;
    b.beta = beta;
    b.klEstimator = klEstimator;
    b.klClamp = klClamp;
    b.maskTruncatedCompletions = maskTruncatedCompletions;
    b.entropyCoef = entropyCoef;
    b.maxCompletionLength = maxCompletionLength;
    b.gradientAccumulationSteps = gradientAccumulationSteps;
    b.numProcesses = numProcesses;
    b.policyLoss = policyLoss;
    b.advantageEstimator = advantageEstimator;
    return b;
  }

  /** Mutable builder starting from TRL's defaults. */
  public static final class Builder {
    private LossAggregation lossAggregation = LossAggregation.DAPO;
    private RewardScaling rewardScaling = RewardScaling.GROUP;
    private double advantageEpsilon = 1e-4;
    private double epsilonLow = 0.2;
    private double epsilonHigh = 0.2;
    private double dualClipC = 0;
    private double delta = 0;
    private double logRatioClamp = 0;
    private double beta = 0;
    private KlEstimator klEstimator = KlEstimator.K3;
    private KlClamp klClamp = KlClamp.NONE;
    private boolean maskTruncatedCompletions = false;
    private double entropyCoef = 0;
    private int maxCompletionLength = 0;
    private int gradientAccumulationSteps = 1;
    private int numProcesses = 1;
    private PolicyLoss policyLoss = PolicyLoss.CLIP;
    private AdvantageEstimator advantageEstimator = AdvantageEstimator.GRPO;

    private Builder() {}

    public Builder policyLoss(PolicyLoss v) {
      policyLoss = v;
      return this;
    }

    public Builder advantageEstimator(AdvantageEstimator v) {
      advantageEstimator = v;
      return this;
    }

    public Builder lossAggregation(LossAggregation v) {
      lossAggregation = v;
      return this;
    }

    public Builder rewardScaling(RewardScaling v) {
      rewardScaling = v;
      return this;
    }

    public Builder advantageEpsilon(double v) {
      advantageEpsilon = v;
      return this;
    }

    public Builder epsilonLow(double v) {
      epsilonLow = v;
      return this;
    }

    public Builder epsilonHigh(double v) {
      epsilonHigh = v;
      return this;
    }

    public Builder dualClipC(double v) {
      dualClipC = v;
      return this;
    }

    public Builder delta(double v) {
      delta = v;
      return this;
    }

    public Builder logRatioClamp(double v) {
      logRatioClamp = v;
      return this;
    }

    public Builder beta(double v) {
      beta = v;
      return this;
    }

    public Builder klEstimator(KlEstimator v) {
      klEstimator = v;
      return this;
    }

    public Builder klClamp(KlClamp v) {
      klClamp = v;
      return this;
    }

    public Builder maskTruncatedCompletions(boolean v) {
      maskTruncatedCompletions = v;
      return this;
    }

    public Builder entropyCoef(double v) {
      entropyCoef = v;
      return this;
    }

    public Builder maxCompletionLength(int v) {
      maxCompletionLength = v;
      return this;
    }

    public Builder gradientAccumulationSteps(int v) {
      gradientAccumulationSteps = v;
      return this;
    }

    public Builder numProcesses(int v) {
      numProcesses = v;
      return this;
    }

    public GrpoConfig build() {
      return new GrpoConfig(
          lossAggregation,
          rewardScaling,
          advantageEpsilon,
          epsilonLow,
          epsilonHigh,
          dualClipC,
          delta,
          logRatioClamp,
          beta,
          klEstimator,
          klClamp,
          maskTruncatedCompletions,
          entropyCoef,
          maxCompletionLength,
          gradientAccumulationSteps,
          numProcesses,
          policyLoss,
          advantageEstimator);
    }
  }
}
