package dev.grpo.trainer.train;

import dev.grpo.trainer.grpo.GrpoMetrics;
import dev.grpo.trainer.grpo.RolloutMismatch;
import dev.grpo.trainer.ppo.PpoMetrics;
import java.util.List;

/**
 * What one GRPO step did.
 *
 * @param step optimizer steps taken so far, including this step's updates
 * @param learningRate lr of the last update
 * @param rewardMean mean of the scorable rewards of the batch
 * @param zeroAdvantageFraction completions whose advantage is exactly 0 (groups with equal rewards
 *     or unscorable samples) — they contribute no policy gradient
 * @param updates the objective's metrics of each of the μ updates, with the grad norm filled in
 * @param ppo the critic's metrics when the step is PPO's, else null
 */
public record StepMetrics(
    long step,
    double learningRate,
    double rewardMean,
    double zeroAdvantageFraction,
    List<GrpoMetrics> updates,
    PpoMetrics ppo) {

  /** The metrics of a step without a critic. */
  public StepMetrics(
      long step,
      double learningRate,
      double rewardMean,
      double zeroAdvantageFraction,
      List<GrpoMetrics> updates) {
    this(step, learningRate, rewardMean, zeroAdvantageFraction, updates, null);
  }

  /** Metrics of the first update (ρ = 1 there, the on-policy view). */
  public GrpoMetrics first() {
    return updates.get(0);
  }

  /** Metrics of the last update. */
  public GrpoMetrics last() {
    return updates.get(updates.size() - 1);
  }

  /** Loss of the first update. */
  public double loss() {
    return first().loss();
  }

  /** Masked mean KL of the first update (NaN with β = 0). */
  public double kl() {
    return first().klMean();
  }

  /** Masked mean entropy of the first update. */
  public double entropy() {
    return first().entropyMean();
  }

  /** Grad norm (before clipping) of the first update. */
  public double gradNorm() {
    return first().gradNorm();
  }

  /**
   * The rollout/trainer mismatch of the first update, against the π_old every update shares; null
   * without rollout log-probs.
   */
  public RolloutMismatch mismatch() {
    return first().mismatch();
  }

  /** Clip-region fraction of the last update (0 at μ = 1). */
  public double clipRatio() {
    return last().clipRatioRegion();
  }
}
