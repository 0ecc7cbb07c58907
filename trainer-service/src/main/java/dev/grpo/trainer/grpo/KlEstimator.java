package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.GraphConstants;

/**
 * Per-token estimators of KL(π_θ ‖ π_ref) from sampled-token log-probs (Schulman's k1/k2/k3). With
 * {@code d = logp − refLogp}:
 *
 * <ul>
 *   <li>k1 = d (unbiased, can be negative; OpenRLHF default {@code k1}, verl {@code kl}).
 *   <li>k2 = d²/2 (verl {@code mse}, OpenRLHF {@code k2}).
 *   <li>k3 = exp(−d) + d − 1 (unbiased, ≥ 0; TRL's only estimator, verl {@code low_var_kl},
 *       OpenRLHF {@code k3}; the DeepSeekMath GRPO KL).
 * </ul>
 *
 * Clamps per framework are chosen with {@link KlClamp}.
 */
public enum KlEstimator {
  K1,
  K2,
  K3;

  /**
   * Per-token KL, differentiable w.r.t. {@code logp}; shapes [B,T]. Constants go through {@link
   * GraphConstants}: see there for why {@code mul(Number)} is unsafe under autograd.
   */
  public NDArray perToken(NDArray logp, NDArray refLogp, KlClamp clamp) {
    if (clamp == KlClamp.VERL) {
      return switch (this) {
        case K1 -> logp.sub(refLogp);
        case K2 -> logp.sub(refLogp).square().mul(GraphConstants.constant(logp, 0.5));
        case K3 -> {
          NDArray kl = refLogp.sub(logp).clip(-20.0, 20.0);
          yield kl.exp().sub(kl).sub(GraphConstants.constant(logp, 1.0)).clip(-10.0, 10.0);
        }
      };
    }
    NDArray d = logp.sub(refLogp);
    NDArray estimate =
        switch (this) {
          case K1 -> d;
          case K2 -> d.square().div(GraphConstants.constant(logp, 2.0));
          case K3 -> d.neg().exp().sub(GraphConstants.constant(logp, 1.0)).add(d);
        };
    return clamp == KlClamp.OPENRLHF ? estimate.clip(-10.0, 10.0) : estimate;
  }
}
