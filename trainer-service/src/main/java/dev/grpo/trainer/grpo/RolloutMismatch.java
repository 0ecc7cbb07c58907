package dev.grpo.trainer.grpo;

/**
 * How far the rollout backend's log-probs were from the trainer's recomputation of the same policy,
 * over the valid tokens (the completion mask before any correction), with r = π_old/π_rollout. NaN
 * where no token was valid.
 *
 * @param klK1 mean of log π_rollout − log π_old: the k1 estimate of KL(π_rollout ‖ π_old), the
 *     tokens being drawn from π_rollout (OpenRLHF's {@code vllm_kl}, verl's {@code
 *     rollout_corr/kl})
 * @param klK3 mean of r − 1 − log r: the k3 estimate of the same KL, non-negative per token
 * @param isWeightMean mean of the untruncated ratio r
 * @param isWeightMax largest r
 * @param maskedFraction share of the valid tokens the correction removed from the loss (0 unless a
 *     mask mode is on)
 */
public record RolloutMismatch(
    double klK1, double klK3, double isWeightMean, double isWeightMax, double maskedFraction) {}
