package dev.grpo.trainer.grpo;

/** Which framework's numeric guards the per-token KL estimate gets. */
public enum KlClamp {
  /** No clamp: TRL (k3 only, {@code exp(ref − logp) − (ref − logp) − 1}). */
  NONE,
  /**
   * verl {@code kl_penalty}: k3 ({@code low_var_kl}) clamps {@code ref − logp} to [−20, 20] and the
   * estimate to [−10, 10]; k1 ({@code kl}) and k2 ({@code mse}) are not clamped.
   */
  VERL,
  /**
   * OpenRLHF {@code compute_approx_kl}: the estimate of every estimator (k1, k2 and k3) is clamped
   * to [−10, 10], because the clamp sits after the estimator branches.
   */
  OPENRLHF
}
