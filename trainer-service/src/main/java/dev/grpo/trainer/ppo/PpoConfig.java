package dev.grpo.trainer.ppo;

/**
 * PPO with a value model (the baseline of the DeepSeekMath and R1 papers): the policy's advantages
 * come from GAE over the completion tokens instead of from the group, and a critic learns the
 * returns with a clipped value loss.
 *
 * @param kind where the value model's features come from
 * @param gamma GAE discount γ (verl {@code algorithm.gamma}, TRL {@code gamma})
 * @param lambda GAE λ (verl {@code algorithm.lam}, TRL {@code lam})
 * @param whitenAdvantages whether advantages are whitened over every active token of the batch
 *     (verl's {@code masked_whiten} in {@code compute_gae_advantage_return}, TRL {@code whiten})
 * @param valueClip ε_v: the new value may move at most this far from the old one before the clipped
 *     term bites (verl {@code critic.cliprange_value}, TRL {@code cliprange_value})
 * @param valueCoefficient the value loss is multiplied by it before the critic's backward pass (TRL
 *     {@code vf_coef}; the critic has its own optimizer, so it scales that optimizer's gradient)
 */
public record PpoConfig(
    ValueModelKind kind,
    double gamma,
    double lambda,
    boolean whitenAdvantages,
    double valueClip,
    double valueCoefficient) {

  public PpoConfig {
    if (kind == null) {
      throw new IllegalArgumentException("a value model kind is needed");
    }
    if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("gamma and lambda must lie in [0, 1]");
    }
    if (!(valueClip > 0) || !(valueCoefficient > 0)) {
      throw new IllegalArgumentException("valueClip and valueCoefficient must be positive");
    }
  }
}
